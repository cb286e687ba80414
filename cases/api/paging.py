"""The API's pages of cases (and of a case's timeline), counted as the All
cases page counts them."""

from functools import partial

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from cases.review.listing import CappedPaginator


class CappedPagination(PageNumberPagination):
    """DRF's page-number pages, whose `count` stops where the page's does
    (CappedPaginator): exact up to MEND_LIST_COUNT_LIMIT rows, or up to the
    page asked for if that is further. Past that, `count_exact` is false and
    `count` is the number there are more than; `next` still says whether
    another page follows."""

    def paginate_queryset(self, queryset, request, view=None):
        number = request.query_params.get(self.page_query_param) or 1
        # DRF makes its paginator from (queryset, page size) alone; the page
        # asked for sets how far the count goes.
        self.django_paginator_class = partial(CappedPaginator, number=number)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.total,
                "count_exact": paginator.exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = (
            "How many match, when count_exact is true; otherwise the number "
            "there are more than."
        )
        answer["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "False when more match than were counted "
            "(MEND_LIST_COUNT_LIMIT, 1,000 by default, or as far as the page "
            "asked for).",
        }
        answer["required"] = [*answer.get("required", []), "count_exact"]
        return answer
