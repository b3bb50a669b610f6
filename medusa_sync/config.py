"""Configuration: connection and paths from the environment, mappings and rules from a TOML file.

Environment (pydantic-settings): `MEDUSA_URL`, `MEDUSA_API_KEY`, `MEDUSA_EMAIL`,
`MEDUSA_PASSWORD`, and `MEDUSA_SYNC_*` for the rest. The TOML file (`--config`, or
`MEDUSA_SYNC_CONFIG`, or `./medusa-sync.toml` when present) holds the rules: availability →
quantities, stock-location names, category aliases, price ceilings, guard thresholds, kit
settings and stock-report thresholds. Every rule has a documented default, so no file is needed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import httpx
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from medusa_sync.errors import ConfigError
from medusa_sync.models import Category

DEFAULT_CONFIG_FILE = Path("medusa-sync.toml")


def _state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "medusa-sync"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "medusa-sync"


class Settings(BaseSettings):
    """Connection, credentials and file locations, read from the environment."""

    model_config = SettingsConfigDict(env_prefix="MEDUSA_SYNC_", extra="ignore", populate_by_name=True)

    medusa_url: str | None = Field(None, validation_alias=AliasChoices("MEDUSA_URL", "MEDUSA_SYNC_MEDUSA_URL"))
    """Base URL of the Medusa server, e.g. http://127.0.0.1:9000. No URL: plan against an empty store."""
    api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("MEDUSA_API_KEY", "MEDUSA_SYNC_API_KEY"))
    """Secret API key (sk_…), sent as HTTP Basic."""
    email: str | None = Field(None, validation_alias=AliasChoices("MEDUSA_EMAIL", "MEDUSA_SYNC_EMAIL"))
    password: SecretStr | None = Field(None, validation_alias=AliasChoices("MEDUSA_PASSWORD", "MEDUSA_SYNC_PASSWORD"))
    """With `email`: log in for a JWT (preferred for bulk work; a key costs the server a hash per request)."""
    config: Path | None = None
    """The rules file; default ./medusa-sync.toml when it exists."""
    timeout: float = 30.0
    """Seconds per HTTP request."""
    concurrency: int = Field(8, ge=1, le=64)
    """Concurrent requests during an apply, and pages requested at once when the store is read."""
    audit_log: Path = Field(default_factory=lambda: _state_dir() / "audit.jsonl")
    """Append-only JSON-lines log of every stock operation."""
    run_log: Path = Field(default_factory=lambda: _state_dir() / "runs.jsonl")
    """JSON-lines log of every write-run, read by `runs` and `undo`."""
    run_log_max_mb: int = Field(64, ge=0)
    """Past this size a run's start moves the run log to `<run_log>.1`, replacing the one before:
    the last 64-128 MB of runs are kept (a nightly sync changing 10% of 50k items logs ~1.6 MB).
    0: never."""
    lock_file: Path = Field(default_factory=lambda: _state_dir() / "sync.lock")
    """Held by `sync` so two runs never overlap."""
    catalog_cache: bool = True
    """Keep each feed root's parsed catalog in `cache_dir`, so a run over unchanged feed files
    loads it instead of parsing them (medusa_sync.catalog_cache)."""
    cache_dir: Path = Field(default_factory=_cache_dir)
    """Where the catalog cache is kept: one file per feed root, as large as its items payload."""
    notify_url: str | None = None
    """Webhook that `sync` POSTs its alert to (on failure or refusal; `--notify URL` wins)."""
    allow_http: bool = False
    """Allow an http:// URL to a host that is not loopback: the credentials then cross the network in clear."""
    ca_bundle: Path | None = None
    """CA certificates (PEM) that verify the server's TLS certificate instead of the system's; never unverified."""

    @model_validator(mode="after")
    def _safe_url(self) -> Settings:
        if self.medusa_url:
            check_medusa_url(self.medusa_url, allow_http=self.allow_http)
        return self

    @property
    def catalog_cache_dir(self) -> Path | None:
        """`cache_dir` when the catalog cache is on, else None."""
        return self.cache_dir if self.catalog_cache else None


def check_medusa_url(url: str, *, allow_http: bool) -> None:
    """Refuse a URL that holds credentials, or that would send them in clear: http:// to a host
    that is not loopback, unless `allow_http`. Messages never repeat the URL (it may hold a secret)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise ValueError("MEDUSA_URL is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError("MEDUSA_URL must be an http:// or https:// URL with a host")
    if parsed.userinfo:
        raise ValueError(
            f"MEDUSA_URL must not hold credentials ({redact_url(url)}): give them in MEDUSA_API_KEY, "
            "or MEDUSA_EMAIL and MEDUSA_PASSWORD"
        )
    if parsed.scheme == "http" and not allow_http and not _is_loopback(parsed.host):
        raise ValueError(
            f"MEDUSA_URL {redact_url(url)} is http:// to a host that is not loopback: the credentials would "
            "cross the network in clear; use https://, or set MEDUSA_SYNC_ALLOW_HTTP=1 to allow it"
        )


def redact_url(url: str) -> str:
    """`url` with any user and password replaced by `***`, fit for logs and messages."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#]*@", r"\1***@", url)


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def known_distributor(name: str) -> str:
    """`name` if a distributor of that name is registered; rules naming another would silently match nothing."""
    from medusa_sync.feeds.registry import DISTRIBUTORS  # here, not above: the registry's parsers import the rules

    if name not in DISTRIBUTORS:
        raise ValueError(f"unknown distributor {name!r} (known: {', '.join(DISTRIBUTORS)})")
    return name


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AvailabilityRule(_Rules):
    """First matching rule wins. `match` is a regex searched in the availability text after
    lower-casing and removing accents ("Disponível" → "disponivel"); "" matches a missing one."""

    match: str
    stocked: int | None = Field(None, ge=0)
    """Stocked quantity; None means `default_quantity`."""
    incoming: int = Field(0, ge=0)
    distributor: str | None = None
    """Only for this distributor's records (its name, e.g. "solfacil")."""

    @field_validator("distributor")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        return value if value is None else known_distributor(value)

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


def _default_availability_rules() -> list[AvailabilityRule]:
    return [
        AvailabilityRule(match=r"^(disponivel|em estoque|pronta entrega)$"),
        AvailabilityRule(match=r"^(indisponivel|esgotado|sem estoque|fora de linha)$", stocked=0),
        AvailabilityRule(match=r"^(sob encomenda|pre-?venda|em transito|aguardando)", stocked=0, incoming=20),
        AvailabilityRule(match=r"^$"),
    ]


class StockRules(_Rules):
    default_quantity: int = Field(100, ge=0)
    """Stocked quantity for an item a feed lists as available without a number."""
    quantity_fields: list[str] = ["estoque", "stock", "stock_quantity", "quantidade", "quantity"]
    """Record fields holding an explicit stocked quantity; they win over the availability text."""
    availability: list[AvailabilityRule] = Field(default_factory=_default_availability_rules)


class LocationRules(_Rules):
    """Stock-location names, keyed by distributor name: `odex = "Odex Curitiba"` renames the
    location a distributor's items are stocked at (default: the distributor's own, e.g.
    "Odex CD"). A distributor stocked per distribution centre (Fotus) stocks a centre at
    "<prefix> <centre>", the prefix being its location (`fotus_prefix = "…"`), unless the table
    `[locations.fotus]` names the centre (matched ignoring case, accents and spacing)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, str | dict[str, str]] = Field(init=False)

    sales_channels: list[str] = []
    """Sales channels (names or ids) the locations medusa-sync creates join, so a storefront sells
    their stock; empty: the store's default sales channel. Existing ones get what is missing."""

    @model_validator(mode="after")
    def _known(self) -> LocationRules:
        for key in self.model_extra or {}:
            known_distributor(key.removesuffix("_prefix"))
        return self

    def renamed(self, distributor: str) -> str | None:
        """The configured location (or centre prefix) of the distributor, if any."""
        for key in (distributor, f"{distributor}_prefix"):
            name = (self.model_extra or {}).get(key)
            if isinstance(name, str):
                return name
        return None

    def centre_names(self, distributor: str) -> dict[str, str]:
        table = (self.model_extra or {}).get(distributor)
        return table if isinstance(table, dict) else {}


def _default_price_ceilings() -> dict[Category, Decimal]:
    return {
        Category.INVERTERS: Decimal(200_000),
        Category.PANELS: Decimal(5_000),
        Category.STRUCTURES: Decimal(20_000),
        Category.STRINGBOXES: Decimal(10_000),
        Category.CABLES: Decimal(20_000),
        Category.BATTERIES: Decimal(100_000),
        Category.ACCESSORIES: Decimal(10_000),
        Category.KITS: Decimal(500_000),
        Category.HYBRID_KITS: Decimal(500_000),
    }


class PriceRules(_Rules):
    ceilings: dict[Category, Decimal] = Field(default_factory=_default_price_ceilings)
    """A price above its category's ceiling is flagged as absurd (a thousands-separator error)."""


class GuardRules(_Rules):
    shrink_ratio: float = Field(0.2, ge=0, le=1)
    shrink_min_items: int = Field(5, ge=0)
    """Refuse an apply when a distributor or feed file lost more than `shrink_ratio` of the items
    it had in the store AND more than `shrink_min_items` items."""


class KitRules(_Rules):
    status: str = Field("draft", pattern="^(draft|proposed|published)$")
    currency: str = "brl"
    sales_channels: list[str] = []
    """Sales channels (names or ids) kits are sold in; empty: the store's default sales channel.
    Existing kits get the channels they miss added (never removed)."""
    shipping_profile: str | None = None
    """Shipping profile (name or id) of the kits; None: the store's default shipping profile."""


class StockReportRules(_Rules):
    low_stock: int = Field(5, ge=0)
    """Available at or below this (and above 0) is `low_stock`."""
    reorder_points: dict[str, int] = {}
    """Per-SKU-prefix low-stock thresholds, longest prefix wins; item metadata `reorder_point` wins over both."""
    stale_after_days: int = Field(7, ge=0)


class IssueRules(_Rules):
    ignore: list[str] = []
    """Issue codes known and accepted (e.g. "id_prefix_mismatch"): not shown on the console of a
    run; they stay in validation_report.json and in --strict's count."""


class Rules(_Rules):
    stock: StockRules = StockRules()
    locations: LocationRules = LocationRules()
    categories: dict[str, Category] = {}
    """Extra category aliases, e.g. {"inversores" = "inverters"}."""
    prices: PriceRules = PriceRules()
    guard: GuardRules = GuardRules()
    kits: KitRules = KitRules()
    report: StockReportRules = StockReportRules()
    issues: IssueRules = IssueRules()


def load_rules(path: Path | None) -> Rules:
    """The rules from `path`, or from ./medusa-sync.toml when present, or the defaults."""
    if path is None:
        if not DEFAULT_CONFIG_FILE.is_file():
            return Rules()
        path = DEFAULT_CONFIG_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"config file {path}: {problems}") from None


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(_problem(error) for error in exc.errors())
        raise ConfigError(f"environment: {problems}") from None


def _problem(error) -> str:
    """One validation error without its input value (a URL or a secret must not be echoed)."""
    message = error["msg"].removeprefix("Value error, ")
    where = ".".join(map(str, error["loc"]))
    return f"{where}: {message}" if where else message
