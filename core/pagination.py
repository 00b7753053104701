import re

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _

DEFAULT_PAGE_SIZE = 20
_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII digits only: "²".isdigit() is True


class IdsFirstPaginator(Paginator):
    """Sorts and slices primary keys only, then fetches the page's rows by key: the
    database never sorts whole rows (a deep page of a wide table spilled to disk)."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return Page(sliced_by_ids(self.object_list, bottom, top), number, self)


def sliced_by_ids(queryset, start, stop):
    """Rows `start:stop` of `queryset`, in its order: the keys are sorted and sliced, then
    only those rows are fetched."""
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def paginate(queryset, params, *, page_sizes=(DEFAULT_PAGE_SIZE,), notices=None, count=None):
    """A page of `queryset` from ?page= and ?par_page=, never failing on bad values.

    A non-numeric page gives the first page, a page past the end the last one;
    either way a notice says so. `count`, when the caller already knows it, spares a
    query.
    """
    notices = notices if notices is not None else []
    per_page = page_sizes[0]
    requested_size = params.get("par_page")
    if requested_size:
        if _NUMBER.fullmatch(requested_size) and int(requested_size) in page_sizes:
            per_page = int(requested_size)
        else:
            notices.append(
                _("Nombre de résultats par page inconnu : %(n)d utilisé.") % {"n": per_page}
            )
    paginator = IdsFirstPaginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not computed
    raw = (params.get("page") or "1").strip()
    number = int(raw) if _NUMBER.fullmatch(raw) else None
    if number is None or number < 1:
        notices.append(_("Numéro de page invalide : première page affichée."))
        number = 1
    elif number > paginator.num_pages:
        notices.append(
            _("La page %(asked)s n'existe pas : dernière page affichée.") % {"asked": raw}
        )
        number = paginator.num_pages
    return paginator.page(number), notices
