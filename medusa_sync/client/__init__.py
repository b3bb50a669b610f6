"""Client of the Medusa v2 Admin API: HTTP and Medusa, nothing of distributors or feeds.

Layers: `MedusaClient` (configuration and resource services) → `Requestor` (auth, retries,
error mapping, the create-recovery rule) → `HttpTransport` (one pooled httpx client, counters).
"""

from .capabilities import Capabilities, UnsupportedServerError
from .errors import (
    AmbiguousWriteError,
    BadRequestError,
    CircuitOpenError,
    ConflictError,
    ForbiddenError,
    GatewayError,
    InvalidDataError,
    InvalidRequestError,
    MalformedAnswerError,
    MedusaAPIError,
    MedusaUnavailableError,
    NotAllowedError,
    PayloadTooLargeError,
    RateLimitedError,
    ResourceNotFoundError,
    ServerError,
    UnauthorizedError,
)
from .medusa_client import MedusaClient
from .resources.base import ID_ONLY
from .resources.products import CREATED_FIELDS
from .requestor import list_field, number_field
from .retry import RetryPolicy
from .transport import RequestCounts, RequestStats

__all__ = [
    "AmbiguousWriteError",
    "BadRequestError",
    "Capabilities",
    "CREATED_FIELDS",
    "CircuitOpenError",
    "ConflictError",
    "ForbiddenError",
    "GatewayError",
    "ID_ONLY",
    "InvalidDataError",
    "InvalidRequestError",
    "MalformedAnswerError",
    "MedusaAPIError",
    "MedusaClient",
    "MedusaUnavailableError",
    "NotAllowedError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "RequestCounts",
    "RequestStats",
    "ResourceNotFoundError",
    "RetryPolicy",
    "ServerError",
    "UnauthorizedError",
    "UnsupportedServerError",
    "list_field",
    "number_field",
]
