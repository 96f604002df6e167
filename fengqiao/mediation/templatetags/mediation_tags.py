from django import template

from fengqiao.mediation import codes

register = template.Library()


@register.filter
def step_label(step):
    return codes.STEP_ACTIONS.get(step, codes.Transition(step).label)
