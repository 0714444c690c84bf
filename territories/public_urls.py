# Public pages (no login): territory pages and the map.
urlpatterns: list = []
