"""A fake Telegram Bot API server on 127.0.0.1 (aiohttp in a thread): records every call, serves updates and files.

Point SUPPORTDESK_TELEGRAM_API_URL at ``server.base_url``. ``stop()`` / ``start()`` take it down and bring it back
on the same port (connection refused meanwhile, as when Telegram is unreachable). Used by tests/tgbot and
bench/telegram_burst.py.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time

from aiohttp import web

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:TEST-fake-token-for-the-desk"
USERNAME = "desk_test_bot"
JSON_FIELDS = ("reply_markup", "reply_parameters", "allowed_updates", "link_preview_options")


class FakeBotApi:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: list[tuple[str, dict]] = []
        self.files: dict[str, bytes] = {}
        self._updates: list[dict] = []
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1000)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="fake-bot-api")
        self._thread.start()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- control --------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeBotApi":
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._runner = None

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def push_update(self, update: dict) -> None:
        with self._lock:
            self._updates.append(update)

    def add_file(self, file_id: str, content: bytes) -> None:
        self.files[file_id] = content

    def sent(self, method: str = "sendMessage") -> list[dict]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def sent_to(self, chat_id: int, method: str = "sendMessage") -> list[dict]:
        """What was sent to one chat, in order."""
        return [params for params in self.sent(method) if int(params["chat_id"]) == chat_id]

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()

    # --- the server -----------------------------------------------------------------------------------------
    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _params(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        params = {}
        for key, value in form.items():
            value = value if isinstance(value, str) else value.file.read().decode()
            params[key] = json.loads(value) if key in JSON_FIELDS else value
        return params

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            with self._lock:
                self.calls.append((method, params))
        result = await self._result(method, params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _result(self, method: str, params: dict):
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Desk", "username": USERNAME}
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            message = {"message_id": next(self._message_ids), "date": int(time.time()), "text": params.get("text", ""),
                       "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}}
            return message
        if method == "getFile":
            file_id = params["file_id"]
            if file_id not in self.files:
                return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}, status=400)
            return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]), "file_path": f"documents/{file_id}"}
        return True  # answerCallbackQuery, deleteWebhook, setWebhook...

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.3)
        while True:
            with self._lock:
                # As Telegram: in update_id order, the ones before ``offset`` confirmed and forgotten.
                self._updates = sorted((u for u in self._updates if u["update_id"] >= offset), key=lambda u: u["update_id"])
                ready = list(self._updates[:100])
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])


# --- updates as Telegram sends them ---------------------------------------------------------------------------

_ids = itertools.count(1)


def user(user_id: int, first_name: str = "Аня", username: str = "", language_code: str = "ru") -> dict:
    data = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
    if username:
        data["username"] = username
    return data


def private_update(update_id: int, user_id: int, *, text: str = "", photo: str = "", document: str = "",
                   mime_type: str = "image/png", media_group_id: str = "", first_name: str = "Аня") -> dict:
    message: dict = {"message_id": next(_ids), "date": int(time.time()), "chat": {"id": user_id, "type": "private"},
                     "from": user(user_id, first_name)}
    key = "caption" if (photo or document) else "text"
    if text:
        message[key] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if photo:
        message["photo"] = [{"file_id": photo, "file_unique_id": photo, "width": 320, "height": 200}]
    if document:
        message["document"] = {"file_id": document, "file_unique_id": document, "file_name": "screen.png", "mime_type": mime_type}
    if media_group_id:
        message["media_group_id"] = media_group_id
    return {"update_id": update_id, "message": message}


def group_update(update_id: int, chat_id: int, user_id: int, text: str, *, reply_to_user: int | None = None) -> dict:
    message = {"message_id": next(_ids), "date": int(time.time()), "chat": {"id": chat_id, "type": "supergroup", "title": "Студенты"},
               "from": user(user_id), "text": text}
    if reply_to_user is not None:
        message["reply_to_message"] = {"message_id": next(_ids), "date": int(time.time()), "chat": message["chat"],
                                       "from": user(reply_to_user), "text": "…"}
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, user_id: int, data: str) -> dict:
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "from": user(user_id), "chat_instance": "ci", "data": data,
        "message": {"message_id": next(_ids), "date": int(time.time()), "chat": {"id": user_id, "type": "private"}, "text": "…"},
    }}
