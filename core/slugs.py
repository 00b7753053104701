from core.text import slug_for


class SlugFromNameMixin:
    """Fill an empty `slug` from `name` when the object is saved."""

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slug_for(self.name, max_length=self._meta.get_field("slug").max_length)
        super().save(*args, **kwargs)
