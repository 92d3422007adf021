"""Page-numbered lists: ``?page=2&page_size=50`` (at most 100 a page)."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    page_size = settings.ALLIANCE_API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100
