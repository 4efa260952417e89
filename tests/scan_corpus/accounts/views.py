from django.contrib.auth import aauthenticate, alogin, authenticate, get_user_model, login
from django.dispatch import Signal
from django.http import JsonResponse

from .models import Profile, Team

profile_saved = Signal()


async def sign_in(request):
    user = await aauthenticate(request, username="u", password="p")  # expect: auth.aauthenticate
    if user is not None:
        await alogin(request, user)  # expect: auth.alogin
    await request.session.aset("k", 1)  # expect: sessions.db-store.aset
    value = await request.session.aget("k")  # expect: sessions.db-store.aget
    allowed = await request.user.ahas_perm("x")  # expect: auth.user.ahas_perm
    await profile_saved.asend(sender=None)  # expect: dispatch.signal.asend
    return JsonResponse({"value": value, "allowed": allowed})


async def legacy_sign_in(request):
    user = authenticate(request, username="u", password="p")  # expect: auth.aauthenticate
    login(request, user)  # expect: auth.alogin
    allowed = request.user.has_perm("x")  # expect: auth.user.ahas_perm
    return JsonResponse({"allowed": allowed})


async def create_account(request):
    users = get_user_model()
    user = await users.objects.acreate_user("u")  # expect: auth.user-manager.acreate_user
    team = await Team.objects.aget(pk=1)  # expect: queryset.aget
    await team.members.aadd(user)  # expect: related.m2m.aadd
    teams = [t.name async for t in user.teams.all()]  # expect: queryset.async-for
    profile = await Profile.objects.acreate(user=user, team=team)  # expect: queryset.acreate
    team_name = profile.team.name
    await team.profile_set.aclear()  # expect: related.reverse-fk.aclear
    await profile.adelete()  # expect: model.adelete
    await Profile.objects.filter(team=team).adelete()  # expect: queryset.adelete
    return JsonResponse({"teams": teams, "team": team_name})
