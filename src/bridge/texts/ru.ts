// Staff-facing texts in Russian (the default). Values are HTML-safe templates: callers pass
// already escaped fragments where a function takes text.
export const ru = {
  marketplaceLabel: (title: string, account: string | undefined) =>
    account ? `${title} · ${account}` : title,
  chatSubject: (shortId: string) => `Чат ${shortId}`,
  returnSubject: (number: string) => `Возврат ${number}`,
  headerTitle: "🛒 Новый чат с покупателем",
  headerRecreated: "♻️ Тема создана заново (прежняя была удалена)",
  headerMarketplace: "Маркетплейс",
  headerOrder: "Заказ / отправление",
  headerReturn: "Возврат",
  headerBuyer: "Покупатель",
  headerDispute: "⚖️ Идёт спор (арбитраж)",
  headerChat: "ID чата",
  disputeStarted: "⚖️ По этому чату начат спор (арбитраж) маркетплейса.",
  disputeFinished: "⚖️ Спор (арбитраж) по этому чату завершён.",
  chatClosed: "🔒 Чат закрыт на маркетплейсе.",
  sellerLabel: (where: string) => `💼 Продавец (в кабинете ${where}, не через бота):`,
  systemLabel: (where: string, who: string) => `ℹ️ ${where} · ${who}:`,
  attachmentUnavailable: (name: string, reason: string) =>
    `📎 ${name}: не удалось загрузить файл (${reason}). Откройте чат в кабинете маркетплейса.`,
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
    other: "это сообщение",
  } as Record<string, string>,
  fileTooBig: (sizeMb: string, limitMb: string, where: string) =>
    `⚠️ Не отправлено: файл ${sizeMb} МБ, а ${where} принимает не больше ${limitMb} МБ.`,
  telegramFileTooBig: (sizeMb: string) =>
    `⚠️ Не отправлено: файл ${sizeMb} МБ. Telegram позволяет ботам скачивать файлы только до 20 МБ.`,
  sendFailed: (reason: string) => `⚠️ Не доставлено покупателю: ${reason}`,
  reasons: {
    forbidden: (detail: string) =>
      `маркетплейс отказал (${detail}). Обычно это значит, что закрылось окно ответа (48 ч после последнего сообщения покупателя или 72 ч после доставки) или нет нужной подписки (Premium Plus / Premium Pro для Ozon).`,
    auth: "маркетплейс не принял ключ API. Проверьте ключ в настройках бота.",
    not_found: "чат не найден на маркетплейсе.",
    invalid: (detail: string) => `маркетплейс отклонил сообщение (${detail}).`,
    gaveUp: (detail: string) =>
      `маркетплейс недоступен, попытки прекращены (${detail}). Отправьте сообщение ещё раз позже.`,
    telegramFile: (detail: string) => `не удалось получить файл из Telegram (${detail}).`,
  },
  onlyStaffGroup: "Этот бот работает только в группе поддержки своего магазина.",
};

export type Texts = typeof ru;
