app_name = "party"
urlpatterns = []
