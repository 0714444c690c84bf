from django.urls import path

from . import follow_up_views

urlpatterns = [
    path(
        "suivi/<int:pk>/actions/",
        follow_up_views.follow_up_actions_view,
        name="follow_up_actions",
    ),
    path("fabriques/<int:pk>/suivi/", follow_up_views.follow_up, name="follow_up"),
]
