from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("espaces/", views.spaces_home, name="home"),
    path("mon-compte/", views.account, name="account"),
    path("mon-compte/mes-donnees.json", views.my_data, name="my_data"),
]
