import pytest


@pytest.fixture(autouse=True)
def _desk_test_defaults(fresh_classifier_cache, media_root):
    """Every desk test: a fresh per-process classifier cache and its own MEDIA_ROOT."""
    yield


# --- The FAQ layer (issue 4): a tiny knowledge base, a hashing encoder and a keyword topic fake ----------

SMALL_FAQ = """
school: Онлайн-школа «Тест»
entries:
- id: reset-password
  topic: profile
  question: Как восстановить пароль от личного кабинета?
  alt_questions: ["Забыл пароль", "Не могу вспомнить пароль от аккаунта"]
  answer: На странице входа нажмите «Забыли пароль?» и следуйте письму.
- id: recordings
  topic: course
  question: Где найти записи прошедших вебинаров?
  alt_questions: ["Пропустил вебинар, где посмотреть запись?"]
  answer: Записи лежат в разделе «Материалы» курса.
- id: installments
  topic: payment
  question: Можно ли платить за обучение частями?
  alt_questions: ["Есть ли рассрочка?"]
  answer: Да, выберите «Оплата по месяцам» при оформлении заказа.
- id: refund-policy
  topic: payment
  question: Какие условия возврата денег за курс?
  alt_questions: ["Можно ли вернуть деньги, если курс не подошёл?"]
  answer: В первые 14 дней возвращаем полную стоимость; напишите в поддержку.
- id: schedule
  topic: general
  question: Когда проходят занятия?
  alt_questions: ["Какое расписание вебинаров?"]
  answer: Вебинары идут по вторникам и четвергам в 19:00 по Москве.
"""


@pytest.fixture
def faq(db, settings):
    """The small FAQ above, imported; the hashing test encoder (no model) and a fresh index."""
    from knowledge.services import faq_import, faq_index_reset

    settings.SUPPORTDESK_FAQ_ENCODER = "tests.knowledge.fakes.counting_encoder"
    settings.SUPPORTDESK_MESSAGE_CLASSIFIER = "tests.fakes.fake_classify_message"
    faq_index_reset()
    faq_import(SMALL_FAQ)
    yield
    faq_index_reset()
