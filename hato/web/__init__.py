"""The web console: a mail view, a JSON API and the administrators' pages, served by
``hato serve`` itself on aiohttp, in the mail listeners' event loop.

``app.make_app`` builds the application; each feature module (``admin``, and the
mail view's and API's modules) has a ``setup(app)`` that adds its routes.
``auth`` says who is asking (session cookie, HTTP Basic or an API token) and keeps
CSRF and the security headers; ``context.WEB`` is the key under which every handler
finds what the server gave it.
"""
