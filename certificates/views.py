from django.http import HttpResponse


def mine(request):
    return HttpResponse("")


def verify_form(request):
    return HttpResponse("")
