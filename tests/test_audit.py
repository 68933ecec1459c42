import pytest
from django.db import connection, transaction

from wutong.accounts import services
from wutong.core.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


def test_a_service_writes_exactly_one_audit_entry(admin_user, org):
    before = AuditEntry.objects.count()
    user = services.create_user(
        actor=admin_user,
        password="Str0ng-Passw0rd!",
        username="newbie",
        display_name="新同事",
        role="staff",
        org_unit=org["tech"],
    )
    entries = AuditEntry.objects.filter(action="accounts.user.created")
    assert AuditEntry.objects.count() == before + 1
    entry = entries.get()
    assert entry.actor == admin_user
    assert entry.target_id == str(user.pk)
    assert entry.changes["username"] == [None, "newbie"]


def test_audit_entries_cannot_be_edited_or_deleted_through_the_orm(admin_user, org):
    services.unlock_user(admin_user, actor=admin_user)
    entry = AuditEntry.objects.latest("id")
    entry.action = "core.audit.tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x.y.z")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_database_triggers_refuse_raw_sql_changes_to_the_audit_log(admin_user):
    services.unlock_user(admin_user, actor=admin_user)
    entry = AuditEntry.objects.latest("id")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditmaintenance")  # the test suite's own switch, off for this test
        for sql in (
            "UPDATE core_auditentry SET action = 'x.y.tampered' WHERE id = %s",
            "DELETE FROM core_auditentry WHERE id = %s",
        ):
            with pytest.raises(Exception, match="append-only"), transaction.atomic():
                cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "accounts.user.unlocked"
