"""Organisations and their people."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.extensions import db
from mission_app.labels import choices, country_label
from mission_app.organiser import bp
from mission_app.organiser.common import (
    confirm_delete_page,
    load_mission,
    run_confirmed_delete,
    show_domain_errors,
)
from mission_app.organiser.forms.participants import FilterForm, OrganisationForm, PersonForm
from mission_app.services import participants as service
from mission_app.services.errors import ValidationFailed
from mission_app.services.timezones import to_local


@bp.get("/<int:mission_id>/organisations")
def list_organisations(mission_id: int):
    mission = load_mission(mission_id)
    form = FilterForm(request.args)
    form.country.choices += choices(
        (code, f"{code} · {country_label(code)}") for code in service.mission_countries(mission)
    )
    filters = service.OrganisationFilters(
        search=form.q.data or "",
        side=request.args.get("side", ""),
        country=request.args.get("country", ""),
        category=request.args.get("category", ""),
    )
    organisations = service.list_organisations(mission, filters)
    return render_template(
        "organiser/participants/list.html",
        mission=mission,
        form=form,
        organisations=organisations,
        filtered=any([filters.search, filters.side, filters.country, filters.category]),
        tab="organisations",
    )


def _organisation_form(mission, organisation=None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    if organisation is not None and request.method == "GET":
        form.sectors.data = ", ".join(organisation.sectors)
    form.leg_id.choices = choices(
        [("", _("Its country's leg")), *((leg.id, leg.city) for leg in mission.legs)]
    )
    return form


def _organisation_input(form: OrganisationForm) -> service.OrganisationInput:
    return service.OrganisationInput(
        name=form.name.data,
        country=form.country.data,
        side=form.side.data,
        category=form.category.data,
        leg_id=form.leg_id.data,
        sectors=tuple(s.strip() for s in (form.sectors.data or "").split(",")),
        description=form.description.data or "",
    )


@bp.route("/<int:mission_id>/organisations/new", methods=["GET", "POST"])
def create_organisation(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = _organisation_form(mission)
    if request.method == "GET":
        form.side.data = "host" if request.args.get("side") == "host" else "delegation"
        delegation = form.side.data == "delegation"
        form.category.data = "ict_firm" if delegation else "purchasing"
        form.country.data = "MA" if delegation else ""
    if form.validate_on_submit():
        try:
            organisation = service.create_organisation(
                current_user, mission, _organisation_input(form)
            )
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("%(name)s added. Now add its people.", name=organisation.name), "success")
            return redirect(_organisation_url(organisation))
    return render_template(
        "organiser/participants/organisation_form.html",
        mission=mission,
        form=form,
        organisation=None,
        tab="organisations",
    )


def _organisation_url(organisation) -> str:
    return url_for(
        "organiser.show_organisation",
        mission_id=organisation.mission_id,
        organisation_id=organisation.id,
    )


@bp.get("/<int:mission_id>/organisations/<int:organisation_id>")
def show_organisation(mission_id: int, organisation_id: int):
    mission = load_mission(mission_id)
    organisation = service.get_organisation(mission, organisation_id)
    return render_template(
        "organiser/participants/organisation.html",
        mission=mission,
        organisation=organisation,
        zone=service.organisation_leg_zone(organisation),
        tab="organisations",
    )


@bp.route("/<int:mission_id>/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
def edit_organisation(mission_id: int, organisation_id: int):
    mission = load_mission(mission_id, needs="organiser")
    organisation = service.get_organisation(mission, organisation_id)
    form = _organisation_form(mission, organisation)
    if form.validate_on_submit():
        try:
            service.update_organisation(current_user, organisation, _organisation_input(form))
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(_organisation_url(organisation))
    return render_template(
        "organiser/participants/organisation_form.html",
        mission=mission,
        form=form,
        organisation=organisation,
        tab="organisations",
    )


@bp.route("/<int:mission_id>/organisations/<int:organisation_id>/delete", methods=["GET", "POST"])
def delete_organisation(mission_id: int, organisation_id: int):
    mission = load_mission(mission_id, needs="organiser")
    organisation = service.get_organisation(mission, organisation_id)
    if request.method == "GET":
        return confirm_delete_page(
            mission,
            organisation.name,
            _("Its people, its meeting requests and their meetings are deleted too."),
            _organisation_url(organisation),
        )
    return run_confirmed_delete(
        lambda: service.delete_organisation(current_user, organisation),
        _("%(name)s deleted.", name=organisation.name),
        url_for("organiser.list_organisations", mission_id=mission.id),
    )


def _person_input(form: PersonForm) -> service.PersonInput:
    return service.PersonInput(
        name=form.name.data,
        position=form.position.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        languages=tuple(form.languages.data or ()),
        available=tuple(
            (entry.start.data, entry.end.data)
            for entry in form.available
            if entry.start.data and entry.end.data
        ),
    )


def _person_page(mission, organisation, form, person=None):
    return render_template(
        "organiser/participants/person_form.html",
        mission=mission,
        organisation=organisation,
        person=person,
        form=form,
        zone=service.organisation_leg_zone(organisation),
        tab="organisations",
    )


@bp.route(
    "/<int:mission_id>/organisations/<int:organisation_id>/people/new", methods=["GET", "POST"]
)
def create_person(mission_id: int, organisation_id: int):
    mission = load_mission(mission_id, needs="organiser")
    organisation = service.get_organisation(mission, organisation_id)
    form = PersonForm()
    if form.validate_on_submit():
        try:
            person = service.create_person(current_user, organisation, _person_input(form))
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("%(name)s added.", name=person.name), "success")
            return redirect(_organisation_url(organisation))
    return _person_page(mission, organisation, form)


@bp.route("/<int:mission_id>/people/<int:person_id>/edit", methods=["GET", "POST"])
def edit_person(mission_id: int, person_id: int):
    mission = load_mission(mission_id, needs="organiser")
    person = service.get_person(mission, person_id)
    organisation = person.organisation
    if request.method == "GET":
        zone = service.organisation_leg_zone(organisation)
        form = PersonForm(obj=person)
        form.available.entries.clear()
        for window in person.availabilities:
            form.available.append_entry(
                {"start": to_local(window.start_at, zone), "end": to_local(window.end_at, zone)}
            )
        # Always room for one more window, and three rows at least.
        while len(form.available.entries) < min(10, max(3, len(person.availabilities) + 1)):
            form.available.append_entry()
    else:
        form = PersonForm()
    if form.validate_on_submit():
        try:
            service.update_person(current_user, person, _person_input(form))
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(_organisation_url(organisation))
    return _person_page(mission, organisation, form, person)


@bp.route("/<int:mission_id>/people/<int:person_id>/delete", methods=["GET", "POST"])
def delete_person(mission_id: int, person_id: int):
    mission = load_mission(mission_id, needs="organiser")
    person = service.get_person(mission, person_id)
    organisation_url = _organisation_url(person.organisation)
    if request.method == "GET":
        return confirm_delete_page(
            mission,
            person.name,
            _("They are taken off every activity and meeting request."),
            organisation_url,
        )
    return run_confirmed_delete(
        lambda: service.delete_person(current_user, person),
        _("%(name)s deleted.", name=person.name),
        organisation_url,
    )
