from django.urls import path

from alliance.web.alerts import views

app_name = "alerts"
urlpatterns = [
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
]
