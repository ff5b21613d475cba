"""Renders the README's sample screenshots (synthetic phone-sized app screens, not real data).

    python docs/samples/make_samples.py   # rewrites docs/samples/*.png
"""
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

SCREENS = {
    "payment_declined.png": ("Оплата заказа", (220, 53, 69), [
        "Платёж отклонён банком",
        "Курс «Python-разработчик»",
        "Сумма: 12 900 ₽",
        "Карта **** 4417",
        "Попробуйте другую карту или",
        "оплатите через СБП",
    ]),
    "lesson_locked.png": ("Мои курсы", (13, 110, 253), [
        "Урок 5. Списки и словари",
        "Урок недоступен",
        "Сначала сдайте домашнее",
        "задание к уроку 4",
        "Видео не загружается? Обновите",
        "страницу",
    ]),
    "login_code.png": ("Вход в аккаунт", (25, 135, 84), [
        "Неверный код из SMS",
        "Код подтверждения устарел.",
        "Запросить новый код",
        "Забыли пароль?",
        "Восстановить доступ по email",
    ]),
    "lunch_chat.png": ("Чат «Обед»", (108, 117, 125), [
        "Маша: кто идёт есть пиццу?",
        "Олег: я! в 13:00 у входа",
        "Маша: возьмите зонт",
        "Олег: 🍕",
    ]),
}


def render(title: str, color: tuple[int, int, int], lines: list[str]) -> Image.Image:
    image = Image.new("RGB", (390, 700), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 390, 64), fill=color)
    draw.text((20, 18), title, font=ImageFont.truetype(BOLD, 24), fill="white")
    body = ImageFont.truetype(FONT, 20)
    y = 110
    for line in lines:
        draw.text((20, y), line, font=body, fill=(33, 37, 41))
        y += 44
    return image


if __name__ == "__main__":
    for name, (title, color, lines) in SCREENS.items():
        render(title, color, lines).save(HERE / name, optimize=True)
        print(HERE / name)
