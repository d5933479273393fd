"""The network survey (Netzwerkbefragung): rounds, personal links, answers, ties and response rates."""

from bildungsnetz.errors import RoundClosed, SurveyLinkError
from bildungsnetz.survey.answers import SurveyAnswerError, open_questionnaire, save_answers
from bildungsnetz.survey.model import Answers, Invitation, PartnerAnswer, Questionnaire, RosterEntry, Round
from bildungsnetz.survey.rounds import close_round, create_round, get_round, invitations, list_rounds, status

__all__ = [
    "Answers",
    "Invitation",
    "PartnerAnswer",
    "Questionnaire",
    "RosterEntry",
    "Round",
    "RoundClosed",
    "SurveyAnswerError",
    "SurveyLinkError",
    "close_round",
    "create_round",
    "get_round",
    "invitations",
    "list_rounds",
    "open_questionnaire",
    "save_answers",
    "status",
]
