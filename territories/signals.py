from django.dispatch import Signal

# Sent by the importer after territories were renamed: territory_ids=[…].
territories_renamed = Signal()
