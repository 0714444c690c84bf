from django.urls import path  # noqa: F401  (paths added below)

urlpatterns: list = []
