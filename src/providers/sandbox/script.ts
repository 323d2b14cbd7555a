// What the sandbox's simulated buyers say. Russian, because the bridge's users serve Russian
// buyers, and typical of what lands in a marketplace support chat: damage, delivery, sizes,
// missing parts, documents. Each buyer follows one story: an opening (text, sometimes a photo),
// answers to staff replies in order, then short thanks. The first story is always told first.

export interface BuyerStory {
  /** Who tells it (the texts agree with the buyer's gender). */
  buyerName: string;
  /** The first messages, sent one after another when the buyer opens the chat. */
  opening: Array<{ text: string } | { photo: string }>;
  /** The buyer's answers to staff replies, in order. */
  replies: string[];
}

export const STORIES: BuyerStory[] = [
  {
    buyerName: "Дмитрий С.",
    opening: [
      {
        text: "Здравствуйте! Получил заказ, а коробка помята, и у чайника вмятина на боку. Что делать?",
      },
      { photo: "Вот фото упаковки." },
    ],
    replies: [
      "Лучше замену. Старый чайник нужно куда-то отвезти?",
      "Понял, так и сделаю. Спасибо за быстрый ответ!",
    ],
  },
  {
    buyerName: "Ольга П.",
    opening: [
      {
        text: "Добрый день! Заказ должен был приехать вчера, но уже три дня статус «В пути». Подскажите, когда ждать?",
      },
    ],
    replies: ["Спасибо. А курьер позвонит заранее? Днём я на работе.", "Отлично, буду ждать."],
  },
  {
    buyerName: "Сергей М.",
    opening: [
      {
        text: "Здравствуйте, подскажите по размеру: рост 176, вес 80. Сомневаюсь между L и XL.",
      },
    ],
    replies: ["А после стирки не сядет? Хлопок же.", "Спасибо, тогда беру XL."],
  },
  {
    buyerName: "Игорь Н.",
    opening: [
      {
        text: "Здравствуйте. В комплекте нет инструкции и одного крепления для полки. Можно дослать?",
      },
      { photo: "Так пришло, крепления в пакете только три." },
    ],
    replies: ["Да, адрес тот же, что в заказе.", "Спасибо большое, жду!"],
  },
  {
    buyerName: "Екатерина В.",
    opening: [
      {
        text: "Добрый вечер! Заказывала бежевый плед, а пришёл серый. Можно обменять?",
      },
    ],
    replies: [
      "А обмен будет бесплатный? Не хочется платить за доставку второй раз.",
      "Хорошо, договорились.",
    ],
  },
  {
    buyerName: "Алексей Т.",
    opening: [
      {
        text: "Здравствуйте! Какая гарантия на пылесос и куда обращаться, если он сломается?",
      },
    ],
    replies: ["А чек нужен бумажный или хватит электронного?", "Понятно, спасибо!"],
  },
  {
    buyerName: "Мария Л.",
    opening: [
      {
        text: "Можно ли поменять пункт выдачи? Я переезжаю, а заказ ещё не отправлен.",
      },
    ],
    replies: ["Новый адрес: Казань, ул. Баумана, 12. Успеете поменять?", "Супер, спасибо!"],
  },
  {
    buyerName: "Анна К.",
    opening: [
      {
        text: "Добрый день. Покупаю от организации, нужен закрывающий документ (УПД). Сможете прислать?",
      },
    ],
    replies: ["ИНН 7701234567, ООО «Ромашка». Куда отправить реквизиты?", "Получили, спасибо!"],
  },
];

/** Said when a buyer waited a while without an answer (once per chat). */
export const NUDGES = [
  "Подскажите, пожалуйста, есть новости?",
  "Извините, вы видели моё сообщение?",
  "Жду ответа, это срочно.",
];

/** The buyer's side of a chat the shop started about an order. */
export const SHOP_STARTED_REPLIES = [
  "Здравствуйте! Да, слушаю вас.",
  "Хорошо, так и сделаем.",
  "Спасибо, что написали!",
];

/** When a buyer's story has no answers left. */
export const THANKS = ["Спасибо!", "Понятно 👍", "Хорошо, спасибо."];

/** The answer to a file or photo from staff. */
export const FILE_RECEIVED = "Получил(а) файл, спасибо!";

/** Buyers of chats the shop starts, in turn. */
export const SHOP_STARTED_BUYERS = ["Наталья Р.", "Павел Е.", "Ирина Г.", "Михаил Д."];
