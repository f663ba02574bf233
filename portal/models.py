"""The portal's user: email is the login (allauth), there is no username."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can log in to the Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The language and time zone of the user's pages and e-mails (portal.middleware);
    # blank follows the browser's language and the portal's TIME_ZONE. Checked against
    # settings.LANGUAGES and zoneinfo by the preferences form, not by choices here, so a
    # new language needs no migration.
    language = models.CharField(max_length=8, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Notification(models.Model):
    """Something a user should know about a document, shown in the portal's list and
    e-mailed at once or in the daily digest, as the user's preference for its kind says
    (portal/notifications.py)."""

    class Kind(models.TextChoices):
        PO_NEW = "po_new", _("New purchase order")
        PO_REVISED = "po_revised", _("Purchase order revised")
        PO_CANCELLED = "po_cancelled", _("Purchase order cancelled")
        PROPOSAL_DECIDED = "proposal_decided", _("Proposed changes decided")
        ACK_REMINDER = "ack_reminder", _("Acknowledgment reminder")
        INVOICE_HOLD = "invoice_hold", _("Invoice on hold")
        DISPUTE_REPLY = "dispute_reply", _("Dispute reply")

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DIGEST = "digest", _("In a daily digest")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # A path inside the portal (reverse()), made absolute for e-mail with PORTAL_SITE_URL.
    url = models.CharField(max_length=300)
    # The user's preference when it was created: a later change does not re-route it.
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(
                fields=["delivery", "created_at"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How one user wants one kind of notification by e-mail; no row means immediately."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    delivery = models.CharField(
        max_length=10,
        choices=Notification.Delivery.choices,
        default=Notification.Delivery.IMMEDIATE,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} {self.get_delivery_display().lower()}"
