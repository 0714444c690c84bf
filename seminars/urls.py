app_name = "seminars"

urlpatterns: list = []
