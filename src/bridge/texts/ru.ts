// Staff-facing texts in Russian (the default). Values are HTML-safe templates: callers pass
// already escaped fragments where a function takes text.
export const ru = {
  language: "ru" as "ru" | "en",
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
  headerOwner: "Ведёт",
  headerNoOwner: "никто — нажмите «🙋 Взять»",
  headerReplyBy: (when: string, left: string) => `⏳ Ответить до ${when} (осталось ${left})`,
  headerReplyClosed: (when: string) => `⌛ Окно ответа закрылось в ${when}`,
  autoReplyNote: (text: string) => `🤖 Автоответ покупателю (нерабочее время):\n${text}`,
  autoClosed: (days: number) =>
    `⚪ В чате ${days} дн. не было сообщений — тема закрыта. Новое сообщение покупателя или /reopen откроет её.`,
  takeButton: "🙋 Взять",
  ownerSet: (who: string) => `👤 Чат ведёт ${who}.`,
  ownerCleared: "👤 У чата больше нет ответственного.",
  tookChat: "Теперь этот чат ведёте вы",
  takeGone: "Эта тема больше не связана с чатом покупателя",
  ownerAnonymous:
    "Анонимный администратор не может вести чат. Назначьте сотрудника: <code>/assign @username</code>.",
  assignUsage:
    "Кому передать чат? <code>/assign @username</code> или ответьте командой /assign на сообщение сотрудника.",
  assignUnknown: (username: string) =>
    `Бот ещё не знает @${username}: Telegram не сообщает ботам сотрудников по имени. Пусть @${username} сначала напишет что-нибудь в группе, затем повторите /assign.`,
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
    /** `usually`: what such a refusal usually means on this marketplace (its words). */
    forbidden: (detail: string, usually?: string) =>
      `маркетплейс отказал (${detail}).${usually ? ` ${usually}` : ""}`,
    auth: () => "маркетплейс не принял ключ API. Проверьте ключ в настройках бота.",
    not_found: () => "чат не найден на маркетплейсе.",
    invalid: (detail: string) => `маркетплейс отклонил сообщение (${detail}).`,
    gaveUp: (detail: string) => `маркетплейс недоступен, попытки прекращены (${detail}).`,
    telegramFile: (detail: string) => `не удалось получить файл из Telegram (${detail}).`,
    stateNotSaved:
      "бот не может прочитать или сохранить своё состояние (диск заполнен или база данных недоступна?). Отправьте сообщение ещё раз, когда это исправят.",
  },
  stateFailing: (reason: string) =>
    `🚨 Бот не может сохранить своё состояние (диск заполнен или база данных недоступна?): ${reason}. Сообщения покупателей не пересылаются, пока запись не заработает; ответы сотрудников не отправляются. Освободите место на диске сервера или верните базу данных.`,
  stateRecovered: "✅ Запись состояния снова работает: пересылка сообщений продолжается.",
  keyNotice: (name: string, text: string) => `⚠️ Ключ API «${name}»: ${text}`,
  keyExpires: (date: string, days: number) =>
    `истекает ${date} (осталось дней: ${days}). Создайте новый ключ в кабинете маркетплейса и замените его в настройках бота, иначе сообщения покупателей перестанут приходить.`,
  keyThrottled: (perHour: number, suspected: boolean, instead: string) =>
    `${suspected ? "судя по ответам маркетплейса, это ключ" : "это ключ"} с лимитом ${perHour} запрос в час к методам чата: для живого чата этого мало. ${instead}`,
  keyRefused: (name: string, detail: string) =>
    `🚨 Маркетплейс не принимает ключ API «${name}»: ${detail}. Сообщения покупателей этого магазина не приходят, ответы не отправляются, пока ключ не заменят.`,
  keyRecovered: (name: string) =>
    `✅ Ключ API «${name}» снова принимается: сообщения покупателей пересылаются.`,
  pollFailing: (name: string, minutes: number, detail: string) =>
    `🚨 «${name}»: маркетплейс не отвечает на опрос уже ${minutes} мин (${detail}). Сообщения покупателей этого магазина не приходят. Проверьте, что сервер бота видит API маркетплейса; подробности — /status.`,
  pollRecovered: (name: string) =>
    `✅ «${name}»: опрос маркетплейса снова работает, сообщения покупателей пересылаются.`,
  rightsRecovered:
    "✅ Права бота в группе восстановлены: сообщения покупателей снова пересылаются в темы.",
  onlyStaffGroup: "Этот бот работает только в группе поддержки своего магазина.",
  newAskMarketplace: (options: string) =>
    `С каким маркетплейсом начать чат? Ответьте: ${options}. /cancel — отмена.`,
  newAskAccount: (list: string) => `Какой магазин? Ответьте номером:\n${list}`,
  /** `what` and `example` are the marketplace's words; `returnExample` when returns work too. */
  newAskNumber: (what: string, example: string, returnExample?: string) =>
    `Номер ${what}${example ? ` (например ${example})` : ""}${returnExample ? ` или «return ${returnExample}» для возврата` : ""}? /cancel — отмена.`,
  /** What a kind of number is called when the marketplace's words do not say. */
  newNumberKinds: {
    posting: "отправления",
    order: "заказа",
    return: "возврата",
  } as Record<string, string>,
  newBadAnswer: "Не понял ответ. Попробуйте ещё раз или /cancel.",
  newBadNumber: (example: string) =>
    `Это не похоже на номер.${example ? ` Пример: ${example}.` : ""} Ещё раз или /cancel.`,
  newCancelled: "Отменено.",
  newNoMarketplace: (name: string) => `Маркетплейс ${name} не подключён.`,
  newCannotStart: (names: string) => `${names}: начать чат там может только покупатель.`,
  newStarted: (link: string, title: string) => `Чат начат: <a href="${link}">${title}</a>`,
  newRefused: (reason: string) => `Чат не начат: ${reason}`,
  startReasons: {
    forbidden: (detail: string, usually?: string) =>
      `маркетплейс отказал (${detail}).${usually ? ` ${usually}` : ""}`,
    not_found: () => "маркетплейс не нашёл такой заказ. Проверьте номер.",
    auth: () => "маркетплейс не принял ключ API.",
    invalid: (detail: string) => `маркетплейс отклонил запрос (${detail}).`,
    fallback: (detail: string) => `маркетплейс сейчас недоступен (${detail}). Попробуйте позже.`,
  },
  /** A span of time: "40 мин", "3 ч", "10 ч 30 мин". */
  duration: (minutes: number) => {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return h === 0 ? `${m} мин` : m === 0 ? `${h} ч` : `${h} ч ${m} мин`;
  },
  reminderWait: (waited: string) => `⏰ Покупатель ждёт ответа уже ${waited}.`,
  reminderEscalate: (waited: string) =>
    `🚨 Покупатель ждёт ответа уже ${waited}, а ответа всё нет.`,
  reminderWindow: (hoursLeft: number, windowHours: number) =>
    `⏰ До закрытия окна ответа осталось меньше ${Math.max(1, hoursLeft)} ч (покупателю можно ответить в течение ${windowHours} ч после его сообщения).`,
  commands: {
    help: "Справка",
    new: "Начать чат с покупателем",
    status: "Состояние моста",
    find: "Найти тему: номер, покупатель, ID чата, @сотрудник",
    take: "Взять чат себе",
    assign: "Передать чат сотруднику",
    unassign: "Снять ответственного",
    close: "Закрыть тему",
    reopen: "Открыть тему снова",
    doctor: "Проверить настройки",
    template: "Добавить или удалить шаблон ответа",
    templates: "Шаблоны ответов",
    export: "Выгрузить переписку файлом",
    stats: "Статистика ответов: /stats 30 — за 30 дней",
  } as Record<string, string>,
  /** `newExamples`: one-line /new commands (HTML) for the connected marketplaces. */
  help: (notePrefix: string, newExamples: readonly string[]) =>
    [
      "<b>Как работать</b>",
      "Каждый чат с покупателем — отдельная тема. Пишите в теме: текст, фото и файлы уйдут покупателю, 👍 — доставлено, 👀 — прочитано.",
      "🔴 — покупатель ждёт ответа, 🟢 — ответили, ⚪ — чат закрыт, ⚖️ — спор.",
      `Сообщение, начинающееся с <code>${notePrefix}</code>, — заметка для коллег: покупателю не уходит.`,
      "",
      newExamples.length > 0
        ? `/new — начать чат: ${newExamples.join(", ")} или просто /new`
        : "/new — начать чат",
      "/status — состояние: опросы, ошибки, очередь, кто ждёт ответа",
      "/find <i>номер заказа, имя покупателя, ID чата или @сотрудник</i> — ссылки на темы",
      "/stats — как быстро отвечали за 7 дней, по магазинам и сотрудникам; /stats 30 — за 30 дней",
      "/take — взять чат себе (или кнопка «🙋 Взять»); /assign @username — передать; /unassign — снять ответственного. Первый, чей ответ дошёл до покупателя, становится ответственным сам.",
      "/close, /reopen — закрыть или открыть тему (в теме)",
      "/export — вся переписка из маркетплейса одним файлом (в теме)",
      "/doctor — проверить права бота, ключи маркетплейсов и push",
      "",
      "<b>Шаблоны ответов</b>",
      "/template add <i>имя</i> <i>текст</i> — сохранить шаблон (или ответом на сообщение: его текст станет шаблоном); /template del <i>имя</i> — удалить",
      "/templates — список; в теме кнопка шаблона показывает, что получит покупатель, и отправляет по «Отправить»",
      "<code>!имя</code> в теме — отправить шаблон покупателю. В тексте можно писать {order} (номер заказа), {buyer} (имя покупателя), {shop} (магазин), {staff} (ваше имя)",
    ].join("\n"),
  editNotSent:
    "✏️ Правка не дошла до покупателя: маркетплейсы не умеют изменять отправленные сообщения.",
  resendButton: "Отправить исправленный текст",
  resendQueued: "Исправленный текст отправляется",
  resendGone: "Исправленный текст уже отправлен или устарел",
  retryButton: "🔁 Повторить",
  retryHint: "Когда причина пройдёт, нажмите «🔁 Повторить» — бот отправит сообщение ещё раз.",
  retriedAt: (time: string) => `Повторная попытка в ${time} тоже не удалась.`,
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
  statusServedBy: (instance: string) => `обслуживает экземпляр ${instance}`,
  statusInstances: (self: string, bot: string) =>
    `Отвечает экземпляр ${self}; обновления Telegram читает ${bot}`,
  statusNobody: "никто",
  findUsage:
    "Что искать? Номер заказа, имя покупателя, ID чата или @сотрудник: <code>/find 12345678</code>, <code>/find Иван</code>, <code>/find @anna</code>",
  findNone: (query: string) => `По запросу «${query}» тем нет.`,
  findMore: (count: number) => `…и ещё ${count}. Уточните запрос.`,
  findFound: (title: string, link: string) => `<a href="${link}">${title}</a>`,
  onlyInTopic: "Эта команда работает внутри темы с покупателем.",
  closed: "Тема закрыта. Новое сообщение покупателя откроет её снова.",
  reopened: "Тема открыта.",
  templateUsage:
    "Шаблоны ответов:\n<code>/template add доставка Ваш заказ {order} уже в пути</code> — сохранить (или ответом на сообщение: <code>/template add доставка</code>)\n<code>/template del доставка</code> — удалить\n/templates — список",
  templateBadName: (max: number) =>
    `Имя шаблона — одно слово до ${max} символов: буквы, цифры, «_» и «-».`,
  templateNoText:
    "У шаблона нет текста: напишите его после имени или ответьте командой на сообщение с текстом.",
  templateTooLong: (length: number, max: number) =>
    `Текст шаблона — ${length} символов, можно не больше ${max}.`,
  templateTooMany: (max: number) =>
    `В группе уже ${max} шаблонов: удалите ненужный (/template del <i>имя</i>).`,
  templateAdded: (name: string) =>
    `✅ Шаблон <b>${name}</b> сохранён. В теме: <code>!${name}</code>`,
  templateReplaced: (name: string) =>
    `✅ Шаблон <b>${name}</b> заменён новым текстом. В теме: <code>!${name}</code>`,
  templateDeleted: (name: string) => `🗑 Шаблон <b>${name}</b> удалён.`,
  templateUnknown: (name: string) => `Шаблона <b>${name}</b> нет. Список: /templates`,
  templateNotSent: (name: string) =>
    `⚠️ Не отправлено: шаблона <b>${name}</b> нет. Список: /templates`,
  templateMissing: (name: string, what: string) =>
    `⚠️ Не отправлено: в шаблоне <b>${name}</b> нечего подставить вместо ${what}.`,
  placeholderMissing: {
    order: "{order} (у этого чата нет номера заказа)",
    buyer: "{buyer} (маркетплейс не сообщил имя покупателя)",
    shop: "{shop} (у магазина нет названия)",
    staff: "{staff} (сообщение отправлено анонимно)",
  } as Record<string, string>,
  templatesNone:
    "Шаблонов пока нет. Добавьте: <code>/template add доставка Ваш заказ {order} уже в пути</code>",
  templatesTitle: (count: number) => `<b>Шаблоны ответов</b> (${count})`,
  templatesHint:
    "В теме с покупателем: <code>!имя</code> — отправить сразу, кнопка — посмотреть и отправить.",
  templateShow: (name: string, text: string) => `<b>${name}</b>\n\n${text}`,
  templatePreview: (name: string, text: string) =>
    `👁 Шаблон <b>${name}</b>. Покупатель получит:\n\n${text}`,
  templateSendButton: "Отправить",
  templateCancelButton: "Отмена",
  templateSent: (name: string, staff: string, text: string) =>
    `📤 Шаблон <b>${name}</b> отправлен покупателю (${staff}):\n\n${text}`,
  templateCancelled: (name: string) => `✖️ Шаблон <b>${name}</b> не отправлен: отменено.`,
  templateSending: "Отправляется покупателю",
  templateHandled: "Этот предпросмотр уже отправлен или отменён",
  templateNoChat: "Эта тема больше не связана с чатом покупателя",
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
  doctorKeyExpiry: (name: string, date: string, days: number) =>
    `ключ API ${name} действует до ${date} (осталось дней: ${days})`,
  doctorKeyExpired: (name: string, date: string) => `ключ API ${name} истёк ${date}`,
  doctorKeyRenew: "создайте новый ключ в кабинете маркетплейса и замените его в настройках бота",
  doctorKeyThrottled: (name: string) => `тип ключа API ${name}`,
  doctorPush: "push-уведомления",
  doctorPushFix: "не включены: задайте PUSH_SECRET и зарегистрируйте адреса (см. README)",
  ago: (minutes: number) =>
    minutes < 1
      ? "меньше минуты"
      : minutes < 60
        ? `${minutes} мин`
        : `${Math.floor(minutes / 60)} ч ${minutes % 60} мин`,
  /** A calendar day (the staff's), e.g. for the digest of that day. */
  calendarDay: (year: number, month: number, day: number) =>
    new Intl.DateTimeFormat("ru-RU", {
      day: "numeric",
      month: "long",
      year: "numeric",
      timeZone: "UTC",
    }).format(Date.UTC(year, month - 1, day)),
  statsUsage: (max: number) =>
    `За сколько дней? <code>/stats</code> — за 7, <code>/stats 30</code> — за 30 (от 1 до ${max}).`,
  statsTitle: (days: number) => `📊 <b>Первые ответы покупателям за последние ${days} дн.</b>`,
  digestTitle: (day: string) => `📊 <b>Сводка за ${day}</b>`,
  statsRow: (name: string, chats: number, answered: number) =>
    `<b>${name}</b> — чатов: ${chats}, ответов: ${answered}`,
  statsWorking: (median: string, p90: string) =>
    `первый ответ в рабочее время: медиана ${median}, 90% — за ${p90}`,
  statsClock: (median: string, p90: string) =>
    `первый ответ по часам: медиана ${median}, 90% — за ${p90}`,
  statsNoAnswers: "первый ответ: ответов не было",
  statsWithinHour: (within: number, of: number, percent: number) =>
    `ответ в течение часа: ${within} из ${of} (${percent}%)`,
  statsWithinHourNone: "ответ в течение часа: пока не о чем судить",
  statsWindowsMissed: (count: number) => `пропущено окон ответа: ${count}`,
  statsStaff: "<b>Сотрудники</b>",
  statsNoStaff: "через бота никто не отвечал",
  digestWaiting: (count: number) => `⏳ <b>Ждут ответа: ${count}</b> (дольше всех — первыми)`,
  digestWaitingChat: (title: string, link: string, waited: string) =>
    `<a href="${link}">${title}</a> — ждёт ${waited}`,
  digestMore: (count: number) => `…и ещё ${count}`,
  digestNoneWaiting: "⏳ Ответа сейчас никто не ждёт.",
};

/** The texts of a language, apart from dates and times (texts/index.ts adds the zone's). */
export type Words = typeof ru;
