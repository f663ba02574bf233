from django.db import models
from django.db.models import QuerySet

from integrations.models import AuditEntry


def audit_entries_for(obj: models.Model) -> QuerySet[AuditEntry]:
    """The audit history of one object, newest first."""
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
