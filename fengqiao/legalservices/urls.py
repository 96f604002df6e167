app_name = "legalservices"
urlpatterns = []
