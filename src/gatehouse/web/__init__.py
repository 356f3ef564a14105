"""The Client Portal and Mobile web pages: templates, static files and their security headers."""
