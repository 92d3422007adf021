"""The counters behind the client-link rate limits: one row per client address.

Written only through the single-statement upserts in ``alliance.web.ratelimit``
(every app process shares them); the model exists so migrations create the table
and tests can read it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

TABLE = "alliance_link_rate"


class LinkRateCounter(models.Model):
    """Requests and unknown tokens from one address, in two sliding windows.

    Each counter keeps the number of its current fixed window (``*_window``:
    Unix time divided by the window length), the count in it and the count in
    the window before; the estimate weights the previous window by how much of
    it still overlaps the sliding window ending now.
    """

    address = models.CharField(
        max_length=64, primary_key=True, help_text=gettext_lazy("IPv4 address, or IPv6 /64 network.")
    )
    req_window = models.BigIntegerField()
    req_count = models.IntegerField()
    req_prev = models.IntegerField()
    unknown_window = models.BigIntegerField()
    unknown_count = models.IntegerField()
    unknown_prev = models.IntegerField()
    seen = models.BigIntegerField(db_index=True, help_text=gettext_lazy("Last request (Unix seconds)."))
    was_idle = models.BooleanField(
        default=False, help_text=gettext_lazy("The row had been idle past every window before this request.")
    )

    class Meta:
        db_table = TABLE

    def __str__(self) -> str:
        return self.address
