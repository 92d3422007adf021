from django.urls import path

from alliance.web.goals import views

app_name = "goals"
urlpatterns = [
    path("episodes/<int:pk>/goals/new/", views.goal_new, name="goal_new"),
    path("<int:pk>/rate/", views.goal_rate, name="goal_rate"),
    path("episodes/<int:pk>/tasks/new/", views.task_new, name="task_new"),
]
