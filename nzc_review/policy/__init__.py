"""The work plan as data: indicator tables, selection conditions, the outline, and the application file model."""
