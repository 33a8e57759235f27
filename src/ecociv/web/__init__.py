"""The web composition root: the FastAPI app that serves the JSON API and the pages."""
