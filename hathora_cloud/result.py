"""``Ok`` / ``Err``: the values every standalone function returns instead of raising.

Match on them::

    match await builds_v3_get_build(core, build_id):
        case Ok(value=build):
            print(build.status)
        case Err(error=error):
            print("failed:", error)

``Result[T, E]`` is the union ``Ok[T] | Err[E]``, so type checkers narrow both arms and can prove a
``match`` exhaustive. ``unwrap()`` gives the value or raises the stored error itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Generic, Literal, NoReturn, TypeAlias, TypeVar

import attrs

__all__ = ("CallMeta", "Err", "Ok", "Result")

T_co = TypeVar("T_co", covariant=True)
E_co = TypeVar("E_co", bound=BaseException, covariant=True)
U = TypeVar("U")
T = TypeVar("T")
E = TypeVar("E", bound=BaseException)


@attrs.frozen
class CallMeta:
    """What the transport saw for one call (the TypeScript SDK's ``$inspect()``).

    Attributes:
        attempts: How many HTTP attempts the call made (0 when nothing was sent).
        status_code: The status of the last response, or ``None`` when none arrived.
        headers: The headers of the last response, or ``None`` when none arrived.
    """

    attempts: int
    status_code: int | None = None
    headers: Mapping[str, str] | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Ok(Generic[T_co]):
    """A successful result holding ``value``."""

    value: T_co
    meta: CallMeta | None = attrs.field(default=None, kw_only=True, eq=False, repr=False)
    ok: ClassVar[Literal[True]] = True

    def unwrap(self) -> T_co:
        """Return the value."""
        return self.value

    def unwrap_or(self, default: object) -> T_co:
        """Return the value (the default is ignored)."""
        return self.value


@attrs.frozen
class Err(Generic[E_co]):
    """A failed result holding ``error``, a :class:`~hathora_cloud.errors.HathoraError`."""

    error: E_co
    meta: CallMeta | None = attrs.field(default=None, kw_only=True, eq=False, repr=False)
    ok: ClassVar[Literal[False]] = False

    def unwrap(self) -> NoReturn:
        """Raise the stored error itself."""
        raise self.error

    def unwrap_or(self, default: U) -> U:
        """Return ``default``."""
        return default


Result: TypeAlias = Ok[T] | Err[E]
"""``Ok[T] | Err[E]``: what every standalone function returns."""
