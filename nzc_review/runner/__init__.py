"""Running notebooks into reports: warm kernels, notebook jobs, nbconvert HTML, Chromium PDF, batch."""
