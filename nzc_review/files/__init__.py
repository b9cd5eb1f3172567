"""Files the tool writes and ships: safe output folders, atomic writes, spreadsheet safety, package data."""
