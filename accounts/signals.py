"""Receivers: role assignments keep the user's groups in step; the audit log registry."""

from auditlog.registry import auditlog
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Cohort, DeletionRequest, Organisation, RoleAssignment, User


@receiver(post_save, sender=RoleAssignment, dispatch_uid="accounts_role_assignment_saved")
def _role_assignment_saved(sender, instance: RoleAssignment, **kwargs) -> None:
    # The group carries the permissions; the assignment carries the scope.
    instance.user.groups.add(instance.group)


@receiver(post_delete, sender=RoleAssignment, dispatch_uid="accounts_role_assignment_deleted")
def _role_assignment_deleted(sender, instance: RoleAssignment, **kwargs) -> None:
    remaining = RoleAssignment.objects.filter(user_id=instance.user_id, group_id=instance.group_id).exists()
    if not remaining:
        instance.group.user_set.remove(instance.user_id)


# Who changed a role, an organisation, a cohort or a deletion request, and when. The password
# hash and the last sign-in time are noise in the log, and the hash must not be copied there.
auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups"})
auditlog.register(RoleAssignment)
auditlog.register(Organisation)
auditlog.register(Cohort, m2m_fields={"members"})
auditlog.register(DeletionRequest)
