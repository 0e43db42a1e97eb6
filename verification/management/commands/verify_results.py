"""``manage.py verify_results``: open the verification of final results that have none (a
receiver that failed) and verify those whose appeal window has ended. Idempotent."""

from django.core.management.base import BaseCommand

from exams.models import Attempt, AttemptState
from verification.services.results import result_verification_open, verification_sweep


class Command(BaseCommand):
    help = "Open missing result verifications and verify the results that are due."

    def handle(self, *args, **options):
        missing = Attempt.objects.filter(state=AttemptState.FINAL, verification__isnull=True).values_list(
            "pk", flat=True
        )
        opened = 0
        for attempt_id in missing.iterator():
            result_verification_open(attempt_id=attempt_id)
            opened += 1
        verified = verification_sweep()
        self.stdout.write(f"Opened {opened} verification(s); {verified} result(s) verified.")
