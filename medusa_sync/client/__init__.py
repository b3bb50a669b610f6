"""Client of the Medusa v2 Admin API: HTTP and Medusa, nothing of distributors or feeds.

Layers: `MedusaClient` (configuration and resource services) → `Requestor` (auth, retries,
error mapping, the create-recovery rule) → `HttpTransport` (one pooled httpx client, counters).
"""

from .capabilities import Capabilities, UnsupportedServerError
from .errors import (
    AmbiguousWriteError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    GatewayError,
    InvalidDataError,
    InvalidRequestError,
    MedusaAPIError,
    MedusaUnavailableError,
    NotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)
from .medusa_client import MedusaClient
from .retry import RetryPolicy
from .transport import RequestCounts, RequestStats

__all__ = [
    "AmbiguousWriteError",
    "BadRequestError",
    "Capabilities",
    "ConflictError",
    "ForbiddenError",
    "GatewayError",
    "InvalidDataError",
    "InvalidRequestError",
    "MedusaAPIError",
    "MedusaClient",
    "MedusaUnavailableError",
    "NotAllowedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "RequestCounts",
    "RequestStats",
    "RetryPolicy",
    "ServerError",
    "UnauthorizedError",
    "UnsupportedServerError",
]
