"""REST adapter: the seed's ``/v1`` surface on Litestar, delegating to the async SDK.

>>> from togai_customers_server.rest import create_rest_app
>>> app = create_rest_app()      # reads TOGAI_API_KEY etc.; serve with uvicorn   # doctest: +SKIP

``uvicorn --factory togai_customers_server.rest:create_rest_app`` runs it directly.
"""

from ._app import RestApp, create_rest_app, options_from_env
from ._errors import ErrorBody, ErrorDetail

__all__ = ["ErrorBody", "ErrorDetail", "RestApp", "create_rest_app", "options_from_env"]
