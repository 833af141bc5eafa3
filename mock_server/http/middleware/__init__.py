"""ASGI middleware of our own, one per module as Starlette's (``mock_server.app`` stacks them, and says
in what order): ``services`` (the request's services and due work), ``body`` (the body read once,
size limit, malformed JSON), ``cors``, ``access_log`` (a line per request) and ``journal`` (the
request journal). ``scope`` reads what they share from an ASGI scope."""
