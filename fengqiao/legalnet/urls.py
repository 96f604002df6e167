app_name = "legalnet"
urlpatterns = []
