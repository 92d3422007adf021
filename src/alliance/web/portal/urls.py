from django.urls import path

from alliance.web.portal import views

app_name = "portal"
urlpatterns = [
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/goals/<int:pk>/confirm/", views.goal_confirm, name="goal_confirm"),
    path("<str:token>/tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("<str:token>/tasks/new/", views.task_new, name="task_new"),
    path("<str:token>/feedback/", views.feedback, name="feedback"),
    path("<str:token>/language/", views.language, name="language"),
    path("<str:token>/texts/stop/", views.texts_stop, name="texts_stop"),
]
