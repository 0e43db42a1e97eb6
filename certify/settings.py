"""Certify settings: one module, read from the environment.

Unset, every value falls back to the embedded default (SQLite under ``var/``, eager Celery,
local media, console e-mail, a development signing key created on first use), so
``make demo`` needs no server. ``CERTIFY_ENV=production`` turns the defaults off: the
process then refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``.

Environment variables read here (all optional in development):

- ``CERTIFY_ENV``: ``development`` (default), ``test`` or ``production``.
- ``SECRET_KEY``, ``ALLOWED_HOSTS`` (comma separated), ``DEBUG``.
- ``DATABASE_URL``: for example ``postgres://user@127.0.0.1:5432/certify``.
- ``CELERY_BROKER_URL`` (or ``REDIS_URL``): a broker; without one tasks run eagerly.
- ``SITE_URL``: the public base URL printed in QR codes, e.g. ``https://certify.egov.uz``.
- ``EMAIL_URL``: e.g. ``smtp+tls://user:pass@host:587``; default console.
- ``CERTIFY_SIGNING_KEY_DIR``: where the Ed25519 signing keys live.
- ``MEDIA_ROOT``, ``STATIC_ROOT``.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

CERTIFY_ENV = env.str("CERTIFY_ENV", default="development")
if CERTIFY_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"CERTIFY_ENV must be development, test or production, not {CERTIFY_ENV!r}")
PRODUCTION = CERTIFY_ENV == "production"

if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            "Production settings need " + " and ".join(missing) + " in the environment; refusing to start."
        )
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    DEBUG = env.bool("DEBUG", default=False)
else:
    # A fixed development key: never used in production, where SECRET_KEY is required.
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-not-secret-1c6b0d1e2f")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
    DEBUG = env.bool("DEBUG", default=CERTIFY_ENV == "development")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "accounts",
    "question_bank",
    "exams",
    "certificates",
    "verification",
    "cms",
    "reports",
    "wagtail.contrib.forms",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django.contrib.humanize",  # allauth's sessions list uses naturaltime
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "auditlog",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: a database outage anywhere below answers 503 with a clear page (certify/security.py).
    "certify.security.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (no inline scripts outside /admin/) and Permissions-Policy.
    "certify.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's session tracking, at most once a minute per session (accounts/middleware.py).
    "accounts.middleware.UserSessionsMiddleware",
    "accounts.middleware.StaffMFAMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Feeds attempts' integrity logs from the candidate's requests (verification/middleware.py).
    "verification.middleware.IntegrityMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

if PRODUCTION:
    # Static files from the web process, compressed and cached forever (hashed names).
    after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
    MIDDLEWARE.insert(after_security, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "certify.urls"
WSGI_APPLICATION = "certify.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "certify" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL is set.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if not env.str("DATABASE_URL", default=""):
    # The embedded default keeps its files under var/, which a fresh clone does not have yet.
    VAR_DIR.mkdir(exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers while the demo server writes; a wait instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if CERTIFY_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-allauth: e-mail and password; the username is not asked for.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# E-mail confirmation: mandatory (also in development, where the mail goes to the console: the
# sign-up page must not reveal registered addresses, see ACCOUNT_PREVENT_ENUMERATION); optional
# only in tests, whose browser paths sign up and go on at once.
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="optional" if CERTIFY_ENV == "test" else "mandatory"
)
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# Sign-up and password reset never tell whether an address is registered. At sign-up allauth can
# only hide it when confirmation is mandatory (production): the form then answers as for a new
# address and e-mails the existing holder an "account already exists" notice instead.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_ADAPTER = "accounts.adapter.CertifyAccountAdapter"
# Against password guessing: after ACCOUNT_LOGIN_FAILURES wrong passwords for one e-mail address
# within ACCOUNT_LOGIN_LOCKOUT_SECONDS, every sign-in for it is refused (even with the right
# password) until the window passes or the password is reset; plus a per-address cap.
ACCOUNT_LOGIN_FAILURES = env.int("ACCOUNT_LOGIN_FAILURES", default=5)
ACCOUNT_LOGIN_LOCKOUT_SECONDS = env.int("ACCOUNT_LOGIN_LOCKOUT_SECONDS", default=900)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"20/m/ip,{ACCOUNT_LOGIN_FAILURES}/{ACCOUNT_LOGIN_LOCKOUT_SECONDS}s/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Multi-factor authentication: TOTP and recovery codes; required for staff (accounts.middleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Certify")
USERSESSIONS_TRACK_ACTIVITY = True
# Staff (anyone with admin access) must set up TOTP before any admin page; never off in production.
CERTIFY_REQUIRE_STAFF_MFA = True if PRODUCTION else env.bool("CERTIFY_REQUIRE_STAFF_MFA", default=True)
# Government single sign-on (OpenID Connect), configured from the environment; off when unset.
SOCIALACCOUNT_ADAPTER = "accounts.adapter.CertifySocialAccountAdapter"
# The government provider vouches for the address: an existing account with it is signed in.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = env.bool("OIDC_EMAIL_AUTHENTICATION", default=True)
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
if env.str("OIDC_SERVER_URL", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": env.str("OIDC_PROVIDER_ID", default="gov"),
            "name": env.str("OIDC_PROVIDER_NAME", default="OneID"),
            "client_id": env.str("OIDC_CLIENT_ID"),
            "secret": env.str("OIDC_CLIENT_SECRET"),
            "settings": {
                "server_url": env.str("OIDC_SERVER_URL"),
                "token_auth_method": env.str("OIDC_TOKEN_AUTH_METHOD", default="client_secret_post"),
                "scope": env.list("OIDC_SCOPES", default=["openid", "profile", "email"]),
                "oauth_pkce_enabled": True,
            },
        }
    )
LOGIN_URL = "account_login"
# Wagtail's own sign-in form would bypass MFA: the admin sends people to allauth's.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# Languages: Uzbek (Latin) is the default.
LANGUAGE_CODE = "uz"
LANGUAGES = [("uz", "Oʻzbekcha"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as on the certificates (uz "2025-yil 5-mart", en "5 March 2025"); the rest is Django's.
FORMAT_MODULE_PATH = ["certify.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Tashkent"
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# The project's own static files (certify.css): `certify` is not an installed app, so name the folder.
STATICFILES_DIRS = [BASE_DIR / "certify" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# E-mail: console unless EMAIL_URL is set.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Certify <noreply@certify.local>")

# Celery: a broker when configured; otherwise tasks run eagerly in the calling process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=env.str("REDIS_URL", default=""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ROUTES = {"certificates.tasks.*": {"queue": "certificates"}}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE = {
    "finalize-expired-attempts": {"task": "exams.tasks.finalize_expired_attempts", "schedule": 60.0},
    "session-reminders": {"task": "exams.tasks.send_session_reminders", "schedule": 900.0},
    "verify-due-results": {"task": "verification.tasks.sweep_verifications", "schedule": 300.0},
    # Certificates missed by a broker outage or a crash between commit and enqueue (issue 10).
    "sweep-missing-certificates": {"task": "certificates.tasks.sweep_missing_certificates", "schedule": 600.0},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env.str("REDIS_URL", default=""):
    # A Redis outage reads as a cache miss, never a 500; rate limits fail open (certify/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "certify.cache.ResilientRedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    # Sessions read from Redis, written through to the database (durable): no session query per request.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
RATELIMIT_FAIL_OPEN = True  # see certify/cache.py: a cache outage must not lock candidates or verifiers out

# Wagtail
WAGTAIL_SITE_NAME = "Certify"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
# No third-party calls from the admin: no Gravatar (CSP blocks it, and the URL leaks an
# e-mail hash), no update check to releases.wagtail.org, no "What's new" banner. The Help
# menu is removed by a construct_main_menu hook (accounts/wagtail_hooks.py).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# The account page's time-zone list; Wagtail's default is every name in the system tz
# database, which includes "localtime" and "Factory" that browsers reject (Intl RangeError).
WAGTAIL_USER_TIME_ZONES = ["Asia/Tashkent", "Asia/Samarkand", "UTC"]

# Certificates: Ed25519 keys live here; a development key is created on first use.
CERTIFY_SIGNING_KEY_DIR = Path(env.str("CERTIFY_SIGNING_KEY_DIR", default=str(VAR_DIR / "signing")))
CERTIFY_ISSUER_NAME = env.str("CERTIFY_ISSUER_NAME", default="Elektron hukumat markazi (e-Gov Center)")
CERTIFY_SERIAL_PREFIX = env.str("CERTIFY_SERIAL_PREFIX", default="EGOV")
CERTIFY_SIGNATORY_NAME = env.str("CERTIFY_SIGNATORY_NAME", default="")
CERTIFY_SIGNATORY_TITLE = env.str("CERTIFY_SIGNATORY_TITLE", default="")
# Verification rate limit per client IP (page and API share it); django-ratelimit uses the default
# cache, so production sets REDIS_URL to share the counts between processes.
CERTIFY_VERIFY_RATE = env.str("CERTIFY_VERIFY_RATE", default="60/m")
# Draw pools (question id lists) kept per web process at a start (exams/services/attempts.py);
# 0 turns it off (tests: each test has its own bank).
CERTIFY_POOL_CACHE_SECONDS = env.int("CERTIFY_POOL_CACHE_SECONDS", default=60 if PRODUCTION else 0)
# Behind a reverse proxy the client address is not REMOTE_ADDR; name the header the proxy sets.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")

# Security: strict in production, relaxed for the loopback demo.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # Wagtail's background tasks and page actions log every step at INFO.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
