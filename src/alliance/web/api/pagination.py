"""Page-numbered lists: ``?page=2&page_size=50`` (at most 100 a page)."""

from typing import Any

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    page_size = settings.ALLIANCE_API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """The page parameters with their limits (page_size 1 to 100), for client generators."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
