"""Russian texts of the classifier's desk parts (issue 9): the school's identity, the desk's own fit."""

RU = {
    "school name": "название школы",
    "As students see it, e.g. Кодариум.": "Как его видят студенты, например Кодариум.",
    "site": "сайт",
    "The main site, e.g. kodarium.ru.": "Основной сайт, например kodarium.ru.",
    "aliases": "другие названия",
    "Other names it appears under: the merchant name on bank statements, an English spelling, a product's name.": "Другие названия школы: имя получателя в банковской выписке, написание латиницей, название продукта.",
    "other domains": "другие домены",
    "More host names it owns: the payment page, the learning platform.": "Другие домены школы: страница оплаты, учебная платформа.",
    "One per line.": "По одному на строку.",
    "school profile": "профиль школы",
    "version": "версия",
    "fitted settings": "подобранные настройки",
    "report": "отчёт",
    "Labels used, held-out figures of the settings in use and of the fit.": "Использованные метки; качество текущих и подобранных настроек на отложенных обращениях.",
    "applied": "применено",
    "classifier fit": "подбор классификатора",
    "classifier fits": "подборы классификатора",
}
