"""`APP_ENV=production` refuses to start with settings that are only safe on a laptop."""

from __future__ import annotations

from auth.demo import has_published_password
from auth.users import UserDirectory
from settings import DEFAULT_MASKING_KEY, DEFAULT_SECRET_KEY, Settings

MIN_SECRET_LENGTH = 32


class UnsafeConfiguration(SystemExit):
    """Raised at start-up; exits with the list of problems instead of a traceback."""


def problems(settings: Settings, users: UserDirectory) -> list[str]:
    """Everything that makes `settings` unsafe for production, in words an operator can act on."""
    found = []
    if settings.secret_key == DEFAULT_SECRET_KEY or len(settings.secret_key) < MIN_SECRET_LENGTH:
        found.append(f"SECRET_KEY is the default or shorter than {MIN_SECRET_LENGTH} characters; "
                     "set a long random value (python -c 'import secrets; print(secrets.token_urlsafe(48))').")
    if settings.masking_key == DEFAULT_MASKING_KEY or len(settings.masking_key) < MIN_SECRET_LENGTH:
        found.append(f"MASKING_KEY is the default or shorter than {MIN_SECRET_LENGTH} characters; "
                     "set a long random value.")
    if not settings.session_cookie_secure:
        found.append("SESSION_COOKIE_SECURE is off; serve over HTTPS and set SESSION_COOKIE_SECURE=true.")
    demo = sorted(u.username for u in users.all().values() if not u.disabled and has_published_password(u))
    if demo:
        found.append(f"the users file {users.path} has demo users with published passwords ({', '.join(demo)}); "
                     "disable them with `python -m auth users disable NAME`.")
    return found


def refuse_unsafe(settings: Settings, users: UserDirectory) -> None:
    """In production, raise UnsafeConfiguration listing every problem; elsewhere do nothing."""
    if settings.app_env != "production":
        return
    found = problems(settings, users)
    if found:
        raise UnsafeConfiguration("Refusing to start with APP_ENV=production:\n" +
                                  "\n".join(f"  - {p}" for p in found))
