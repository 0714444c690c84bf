from django.urls import path

from . import views

app_name = "territories"

urlpatterns = [
    path("territoire/", views.space, name="space"),
    path("territoire/<int:pk>/", views.participation_detail, name="participation"),
    path("territoire/<int:pk>/groupe-de-travail/", views.working_group, name="working_group"),
    path(
        "territoire/<int:pk>/groupe-de-travail/ajouter/",
        views.working_group_add,
        name="working_group_add",
    ),
    path(
        "territoire/<int:pk>/groupe-de-travail/<int:member_pk>/modifier/",
        views.working_group_edit,
        name="working_group_edit",
    ),
    path(
        "territoire/<int:pk>/groupe-de-travail/<int:member_pk>/retirer/",
        views.working_group_remove,
        name="working_group_remove",
    ),
]
