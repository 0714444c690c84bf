from django.urls import path

from . import views

app_name = "territories"

urlpatterns = [
    path("territoire/", views.space, name="space"),
]
