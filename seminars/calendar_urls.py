from django.urls import path

from . import calendar_views

urlpatterns = [
    path("calendrier/<str:token>.ics", calendar_views.feed, name="feed"),
    path("seminaires/<int:pk>/evenement.ics", calendar_views.event_ics, name="event_ics"),
    path("mon-compte/calendrier/", calendar_views.calendar_feed, name="calendar_feed"),
]
