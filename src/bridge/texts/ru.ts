// Staff-facing texts in Russian (the default). Values are HTML-safe templates: callers pass
// already escaped fragments where a function takes text.
export const ru = {
  chatSubject: (shortId: string) => `Чат ${shortId}`,
  returnSubject: (number: string) => `Возврат ${number}`,
  headerTitle: "🛒 Новый чат с покупателем",
  headerRecreated: "♻️ Тема создана заново (прежняя была удалена)",
  headerMarketplace: "Маркетплейс",
  headerOrder: "Заказ / отправление",
  headerReturn: "Возврат",
  headerBuyer: "Покупатель",
  headerSku: "Товар (SKU)",
  headerDispute: "⚖️ Идёт спор (арбитраж)",
  headerChat: "ID чата",
  disputeStarted: "⚖️ По этому чату начат спор (арбитраж) маркетплейса.",
  disputeFinished: "⚖️ Спор (арбитраж) по этому чату завершён.",
  chatClosed: "🔒 Чат закрыт на маркетплейсе.",
  sellerLabel: (where: string) => `💼 Продавец (в кабинете ${where}, не через бота):`,
  systemLabel: (where: string, who: string) => `ℹ️ ${where} · ${who}:`,
  attachmentUnavailable: (name: string, reason: string) =>
    `📎 ${name}: не удалось загрузить файл (${reason}). Откройте чат в кабинете маркетплейса.`,
  attachmentPending: (name: string) =>
    `📎 ${name}: маркетплейс ещё проверяет файл; он появится здесь, когда проверка закончится.`,
  attachmentReasons: {
    invalid: () => "файл слишком большой или повреждён",
    not_found: () => "файла больше нет на маркетплейсе",
    auth: () => "маркетплейс не принял ключ API",
    forbidden: () => "маркетплейс не дал доступ к файлу",
    fallback: () => "маркетплейс не отдал файл",
  },
  unsupportedKind: (kind: string) =>
    `⚠️ Не отправлено: ${kind} нельзя передать покупателю через API маркетплейса. Отправьте текст, фото или файл.`,
  kinds: {
    sticker: "стикер",
    voice: "голосовое сообщение",
    video_note: "видеосообщение",
    video: "видео",
    audio: "аудио",
    animation: "GIF-анимацию",
    poll: "опрос",
    location: "геопозицию",
    venue: "место",
    contact: "контакт",
    dice: "кубик",
    game: "игру",
    story: "историю",
    checklist: "чек-лист",
    live_photo: "живое фото",
    paid_media: "платный контент",
    invoice: "счёт",
    giveaway: "розыгрыш",
    other: "это сообщение",
  } as Record<string, string>,
  emptyNotSent: "⚠️ Не отправлено: в сообщении нет текста.",
  fileTooBig: (sizeMb: string, limitMb: string, where: string) =>
    `⚠️ Не отправлено: файл ${sizeMb} МБ, а ${where} принимает не больше ${limitMb} МБ.`,
  telegramFileTooBig: (sizeMb: string) =>
    `⚠️ Не отправлено: файл ${sizeMb} МБ. Telegram позволяет ботам скачивать файлы только до 20 МБ.`,
  sendFailed: (reason: string) => `⚠️ Не доставлено покупателю: ${reason}`,
  reasons: {
    forbidden: (detail: string) =>
      `маркетплейс отказал (${detail}). Обычно это значит, что закрылось окно ответа (48 ч после последнего сообщения покупателя или 72 ч после доставки) или нет нужной подписки (Premium Plus / Premium Pro для Ozon).`,
    auth: () => "маркетплейс не принял ключ API. Проверьте ключ в настройках бота.",
    not_found: () => "чат не найден на маркетплейсе.",
    invalid: (detail: string) => `маркетплейс отклонил сообщение (${detail}).`,
    gaveUp: (detail: string) =>
      `маркетплейс недоступен, попытки прекращены (${detail}). Отправьте сообщение ещё раз позже.`,
    telegramFile: (detail: string) => `не удалось получить файл из Telegram (${detail}).`,
    stateNotSaved:
      "бот не может сохранить своё состояние (диск заполнен?). Отправьте сообщение ещё раз, когда это исправят.",
  },
  stateFailing: (reason: string) =>
    `🚨 Бот не может сохранить своё состояние (диск заполнен?): ${reason}. Сообщения покупателей не пересылаются, пока запись не заработает; ответы сотрудников не отправляются. Освободите место на диске сервера.`,
  stateRecovered: "✅ Запись состояния снова работает: пересылка сообщений продолжается.",
  rightsRecovered:
    "✅ Права бота в группе восстановлены: сообщения покупателей снова пересылаются в темы.",
  onlyStaffGroup: "Этот бот работает только в группе поддержки своего магазина.",
  newAskMarketplace: (options: string) =>
    `С каким маркетплейсом начать чат? Ответьте: ${options}. /cancel — отмена.`,
  newAskAccount: (list: string) => `Какой магазин? Ответьте номером:\n${list}`,
  newAskNumber: (kind: string) => `Номер ${kind}? /cancel — отмена.`,
  newNumberKinds: {
    posting: "отправления Ozon (например 47873153-0052-1)",
    order: "заказа Яндекс Маркета (или «return 123» для возврата)",
    return: "возврата",
  } as Record<string, string>,
  newBadAnswer: "Не понял ответ. Попробуйте ещё раз или /cancel.",
  newBadNumber: (example: string) =>
    `Это не похоже на номер. Пример: ${example}. Ещё раз или /cancel.`,
  newCancelled: "Отменено.",
  newNoMarketplace: (name: string) => `Маркетплейс ${name} не подключён.`,
  newCannotStart: (names: string) => `${names}: начать чат там может только покупатель.`,
  newStarted: (link: string, title: string) => `Чат начат: <a href="${link}">${title}</a>`,
  newRefused: (reason: string) => `Чат не начат: ${reason}`,
  startReasons: {
    forbidden: (detail: string) =>
      `маркетплейс отказал (${detail}). Для Ozon FBO чат может начать только покупатель; для FBS/rFBS — в течение 72 часов после оплаты или доставки; нужна подписка Premium Plus или Premium Pro.`,
    not_found: () => "маркетплейс не нашёл такой заказ. Проверьте номер.",
    auth: () => "маркетплейс не принял ключ API.",
    invalid: (detail: string) => `маркетплейс отклонил запрос (${detail}).`,
    fallback: (detail: string) => `маркетплейс сейчас недоступен (${detail}). Попробуйте позже.`,
  },
  reminderWait: (minutes: number) => `⏰ Покупатель ждёт ответа уже ${minutes} мин.`,
  reminderWindow: (hoursLeft: number, windowHours: number) =>
    `⏰ До закрытия окна ответа осталось меньше ${Math.max(1, hoursLeft)} ч (покупателю можно ответить в течение ${windowHours} ч после его сообщения).`,
  commands: {
    help: "Справка",
    new: "Начать чат с покупателем",
    status: "Состояние моста",
    find: "Найти тему по номеру заказа",
    close: "Закрыть тему",
    reopen: "Открыть тему снова",
    doctor: "Проверить настройки",
    export: "Выгрузить переписку файлом",
  } as Record<string, string>,
  help: (notePrefix: string) =>
    [
      "<b>Как работать</b>",
      "Каждый чат с покупателем — отдельная тема. Пишите в теме: текст, фото и файлы уйдут покупателю, 👍 — доставлено, 👀 — прочитано.",
      "🔴 — покупатель ждёт ответа, 🟢 — ответили, ⚪ — чат закрыт, ⚖️ — спор.",
      `Сообщение, начинающееся с <code>${notePrefix}</code>, — заметка для коллег: покупателю не уходит.`,
      "",
      "/new — начать чат: <code>/new ozon 47873153-0052-1</code>, <code>/new ym 12345678</code>, <code>/new ym return 123</code> или просто /new",
      "/status — состояние: опросы, ошибки, очередь, кто ждёт ответа",
      "/find <i>номер</i> — ссылка на тему заказа",
      "/close, /reopen — закрыть или открыть тему (в теме)",
      "/export — вся переписка из маркетплейса одним файлом (в теме)",
      "/doctor — проверить права бота, ключи маркетплейсов и push",
    ].join("\n"),
  editNotSent:
    "✏️ Правка не дошла до покупателя: маркетплейсы не умеют изменять отправленные сообщения.",
  resendButton: "Отправить исправленный текст",
  resendQueued: "Исправленный текст отправляется",
  resendGone: "Исправленный текст уже отправлен или устарел",
  retryButton: "🔁 Повторить",
  retryQueued: "Отправляю ещё раз",
  retryRunning: "Уже отправляется, подождите",
  retryGone: "Повторять нечего: сообщение уже отправлено или устарело",
  retryDelivered: "✅ Доставлено покупателю со второй попытки.",
  exportNotSupported: (where: string) =>
    `${where} не отдаёт историю чата через API: выгрузить переписку нельзя.`,
  exportFailed: (reason: string) => `Переписка не выгружена: ${reason}`,
  exportCaption: (count: number) => `📄 Переписка целиком из маркетплейса: ${count} сообщ.`,
  exportTitle: "Переписка с покупателем",
  exportedAt: "Выгружено",
  exportTimeNote: "Время московское.",
  exportCut: (count: number) =>
    `Показаны последние ${count} сообщений: более ранние в файл не вошли.`,
  exportEmpty: "В чате нет сообщений.",
  exportBuyer: "Покупатель",
  exportShop: "Магазин",
  statusTitle: "<b>Состояние</b>",
  statusAccount: (name: string) => `<b>${name}</b>`,
  statusPoll: (age: string) => `опрос: ${age} назад`,
  statusNeverPolled: "опрос: ещё не было успешного",
  statusError: (error: string) => `ошибка: ${error}`,
  statusPending: (count: number) => `в очереди на отправку: ${count}`,
  statusWaiting: (count: number, oldest: string) =>
    count === 0 ? "ждут ответа: никто" : `ждут ответа: ${count}, дольше всех ${oldest}`,
  statusBudget: (used: number, limit: number) =>
    `Telegram: ${used} из ${limit} сообщений за минуту`,
  findUsage: "Укажите номер: <code>/find 47873153-0052-1</code>",
  findNone: (number: string) => `Темы с номером ${number} нет.`,
  findFound: (title: string, link: string) => `<a href="${link}">${title}</a>`,
  onlyInTopic: "Эта команда работает внутри темы с покупателем.",
  closed: "Тема закрыта. Новое сообщение покупателя откроет её снова.",
  reopened: "Тема открыта.",
  doctorTitle: "<b>Проверка</b>",
  doctorOk: (what: string) => `✅ ${what}`,
  doctorFail: (what: string, fix: string) => `❌ ${what}: ${fix}`,
  doctorForum: "группа — форум с темами",
  doctorForumFix: "включите «Темы» в настройках группы",
  doctorAdmin: "бот — администратор с правом «Управление темами»",
  doctorAdminFix: "назначьте бота администратором и включите «Управление темами»",
  doctorPin: "бот может закреплять сообщения (карточка заказа)",
  doctorPinFix: "дайте боту право «Закреплять сообщения»",
  doctorKey: (name: string) => `ключ API ${name}`,
  doctorKeyFix: (detail: string) => `маркетплейс ответил: ${detail}. Проверьте ключ и его права`,
  doctorPush: "push-уведомления",
  doctorPushFix: "не включены: задайте PUSH_SECRET и зарегистрируйте адреса (см. README)",
  ago: (minutes: number) =>
    minutes < 1
      ? "меньше минуты"
      : minutes < 60
        ? `${minutes} мин`
        : `${Math.floor(minutes / 60)} ч ${minutes % 60} мин`,
};

export type Texts = typeof ru;
