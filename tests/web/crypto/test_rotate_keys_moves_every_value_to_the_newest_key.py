"""``manage.py rotate_keys``: everything moves to the newest key, then the old key can go."""

from __future__ import annotations

from io import StringIO

import pytest
from crypto_helpers import raw_value, read_every_encrypted_value, set_raw
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from alliance.web import crypto
from alliance.web.crypto import PREFIX, DecryptionError
from alliance.web.goals.models import Goal, Task
from alliance.web.portal.models import Feedback

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def under(key: str, raw: str) -> bool:
    try:
        Fernet(key).decrypt(raw.removeprefix(PREFIX).encode())
    except Exception:
        return False
    return True


@pytest.fixture
def old_data(settings, c1_goal, c1_task, c1_sessions, c1_link, c1_alert, c1_episode):
    """c1's goal, task, answers, draft, alert and feedback, all under OLD (and only OLD configured)."""
    settings.ALLIANCE_DATA_KEYS = [OLD, *settings.ALLIANCE_DATA_KEYS]
    c1_task.reflection = "Easier on the days I walked first"
    c1_task.save()
    Feedback.objects.create(episode=c1_episode, text="More time on my mum, please")
    call_command("rotate_keys", stdout=StringIO())  # the fixtures' rows move to OLD
    settings.ALLIANCE_DATA_KEYS = [OLD]
    return settings


def test_rotation_then_dropping_the_old_key_keeps_everything_readable(
    old_data, c1_goal, c1_task
) -> None:
    old_data.ALLIANCE_DATA_KEYS = [NEW, OLD]
    out = rotate()
    assert "goals.Goal.text: 1 re-encrypted, 0 already on the newest key" in out
    assert "goals.Task.reflection: 1 re-encrypted" in out
    assert "the older keys can now be removed" in out
    assert under(NEW, raw_value(Goal, c1_goal.pk, "text"))
    old_data.ALLIANCE_DATA_KEYS = [NEW]
    assert read_every_encrypted_value() > 10
    assert Goal.objects.get(pk=c1_goal.pk).text == c1_goal.text
    assert Task.objects.get(pk=c1_task.pk).reflection == "Easier on the days I walked first"


def test_without_rotation_dropping_the_old_key_loses_access(old_data, c1_goal) -> None:
    old_data.ALLIANCE_DATA_KEYS = [NEW]
    with pytest.raises(DecryptionError):
        Goal.objects.get(pk=c1_goal.pk)


def test_a_second_run_changes_nothing(old_data, c1_goal) -> None:
    old_data.ALLIANCE_DATA_KEYS = [NEW, OLD]
    rotate()
    raw = raw_value(Goal, c1_goal.pk, "text")
    out = rotate()
    assert "Total: 0 re-encrypted" in out
    assert "goals.Goal.text: 0 re-encrypted, 1 already on the newest key" in out
    assert raw_value(Goal, c1_goal.pk, "text") == raw


def test_check_fails_while_values_are_under_an_older_key_and_changes_nothing(
    old_data, c1_goal
) -> None:
    old_data.ALLIANCE_DATA_KEYS = [NEW, OLD]
    raw = raw_value(Goal, c1_goal.pk, "text")
    with pytest.raises(CommandError, match="still under an older key"):
        rotate("--check")
    assert raw_value(Goal, c1_goal.pk, "text") == raw
    rotate()
    assert "Every value is under the newest key." in rotate("--check")


def test_small_batches_cover_every_row(old_data, c1_episode) -> None:
    for n in range(7):
        Goal.objects.create(episode=c1_episode, text=f"Goal {n}")
    old_data.ALLIANCE_DATA_KEYS = [NEW, OLD]
    out = rotate("--batch-size", "2")
    assert "goals.Goal.text: 8 re-encrypted" in out
    old_data.ALLIANCE_DATA_KEYS = [NEW]
    assert sorted(
        g.text for g in Goal.objects.exclude(pk=Goal.objects.order_by("pk").first().pk)
    ) == [f"Goal {n}" for n in range(7)]


def test_rotation_does_not_touch_timestamps(old_data, c1_task) -> None:
    before = Task.objects.get(pk=c1_task.pk).updated
    old_data.ALLIANCE_DATA_KEYS = [NEW, OLD]
    rotate()
    assert Task.objects.get(pk=c1_task.pk).updated == before


def test_a_value_no_key_opens_is_reported_and_fails_the_run(old_data, c1_goal, c1_task) -> None:
    set_raw(
        Goal, c1_goal.pk, "text", PREFIX + Fernet(Fernet.generate_key()).encrypt(b"lost").decode()
    )
    old_data.ALLIANCE_DATA_KEYS = [NEW, OLD]
    out = StringIO()
    with pytest.raises(CommandError, match="1 values could not be decrypted"):
        call_command("rotate_keys", stdout=out)
    assert (
        f"goals.Goal.text: 0 re-encrypted, 0 already on the newest key, 0 empty, 1 UNREADABLE (ids {c1_goal.pk})"
        in out.getvalue()
    )
    assert under(NEW, raw_value(Task, c1_task.pk, "text"))  # the rest was still rotated


def test_a_row_the_app_changes_meanwhile_keeps_the_apps_value(
    old_data, c1_goal, monkeypatch
) -> None:
    old_data.ALLIANCE_DATA_KEYS = [NEW, OLD]
    real_step = crypto._rotate_step

    def app_writes_first(stored: str, label: str) -> str | None:
        if label == "goals.Goal.text":
            Goal.objects.filter(pk=c1_goal.pk).update(text="Changed by the therapist")
        return real_step(stored, label)

    monkeypatch.setattr(crypto, "_rotate_step", app_writes_first)
    out = rotate()
    assert "1 changed meanwhile (left as written)" in out
    assert "run it again" in out
    assert Goal.objects.get(pk=c1_goal.pk).text == "Changed by the therapist"


def test_a_batch_size_below_one_is_refused(db) -> None:
    with pytest.raises(CommandError, match="at least 1"):
        rotate("--batch-size", "0")


def test_rotate_keys_is_a_command_of_the_crypto_app_it_acts_on() -> None:
    from django.core.management import get_commands

    assert get_commands()["rotate_keys"] == "alliance.web.crypto"
