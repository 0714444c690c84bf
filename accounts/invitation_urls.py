from django.urls import path

from . import invitation_views as views

app_name = "invitations"

urlpatterns = [
    path("invitations/<str:token>/", views.accept, name="accept"),
    path("anct/invitations/", views.invitation_list, name="list"),
    path("anct/invitations/nouvelle/", views.invitation_new, name="create"),
    path("anct/invitations/<int:pk>/renvoyer/", views.invitation_resend_view, name="resend"),
    path("anct/invitations/<int:pk>/revoquer/", views.invitation_revoke_view, name="revoke"),
    path(
        "territoire/<int:participation_pk>/referents/<int:contact_pk>/passer-la-main/",
        views.handover,
        name="handover",
    ),
]
