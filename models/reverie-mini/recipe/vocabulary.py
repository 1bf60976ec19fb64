"""reverie-mini v2's vocabulary: the 150 everyday objects it is trained to draw, one emoji each (drawn in
all three art styles), with the synonyms people type.  Also the scene words (colours, sizes, positions,
styles).  `vocabulary_json()` is what export writes to the model folder as `vocabulary.json`, which the
studio reads for prompt completions and unknown-word hints (`RELATED`: the known objects it suggests for common
words the model was never taught).

Each entry: (name, emojibase label of the emoji drawn, synonyms).
"""
OBJECTS = [
    ('cat', 'cat face', ['kitty', 'kitten']), ('dog', 'dog face', ['puppy', 'doggy']), ('fish', 'fish', []),
    ('bird', 'bird', ['birdie']), ('horse', 'horse face', ['pony']), ('cow', 'cow face', []),
    ('pig', 'pig face', ['piggy']), ('monkey', 'monkey face', []), ('elephant', 'elephant', []),
    ('mouse', 'mouse face', []), ('rabbit', 'rabbit face', ['bunny']), ('frog', 'frog', ['toad']),
    ('turtle', 'turtle', ['tortoise']), ('snake', 'snake', []), ('octopus', 'octopus', []),
    ('penguin', 'penguin', []), ('owl', 'owl', []), ('butterfly', 'butterfly', []),
    ('bee', 'honeybee', ['honeybee', 'bumblebee']), ('snail', 'snail', []), ('crab', 'crab', []),
    ('whale', 'spouting whale', []), ('dolphin', 'dolphin', []), ('shark', 'shark', []), ('lion', 'lion', []),
    ('tiger', 'tiger face', []), ('bear', 'bear', []), ('panda', 'panda', []), ('fox', 'fox', []),
    ('unicorn', 'unicorn', []), ('chicken', 'chicken', ['hen']), ('duck', 'duck', []),
    ('giraffe', 'giraffe', []), ('zebra', 'zebra', []), ('camel', 'camel', []),
    ('dinosaur', 'T-Rex', ['dino', 't-rex']), ('dragon', 'dragon', []), ('spider', 'spider', []),
    ('ladybug', 'lady beetle', ['ladybird']), ('bat', 'bat', []), ('flamingo', 'flamingo', []),
    ('parrot', 'parrot', []), ('peacock', 'peacock', []), ('hippo', 'hippopotamus', ['hippopotamus']),
    ('kangaroo', 'kangaroo', []),
    ('apple', 'red apple', []), ('banana', 'banana', []), ('pizza', 'pizza', []), ('grapes', 'grapes', []),
    ('watermelon', 'watermelon', []), ('strawberry', 'strawberry', []), ('cherries', 'cherries', ['cherry']),
    ('lemon', 'lemon', []), ('pineapple', 'pineapple', []), ('pear', 'pear', []), ('carrot', 'carrot', []),
    ('broccoli', 'broccoli', []), ('corn', 'ear of corn', ['corn cob', 'maize']), ('mushroom', 'mushroom', []),
    ('avocado', 'avocado', []), ('eggplant', 'eggplant', ['aubergine']), ('hamburger', 'hamburger', ['burger']),
    ('hot dog', 'hot dog', ['hotdog']), ('taco', 'taco', []), ('french fries', 'french fries', ['fries', 'chips']),
    ('doughnut', 'doughnut', ['donut']), ('cookie', 'cookie', ['biscuit']), ('birthday cake', 'birthday cake', ['cake']),
    ('ice cream', 'soft ice cream', ['ice cream cone']), ('lollipop', 'lollipop', []), ('bread', 'bread', ['loaf']),
    ('cheese', 'cheese wedge', []), ('egg', 'egg', []), ('popcorn', 'popcorn', []),
    ('coffee', 'hot beverage', ['cup of coffee', 'coffee cup']), ('chili pepper', 'hot pepper', ['chili', 'hot pepper']),
    ('tomato', 'tomato', []), ('sushi', 'sushi', []), ('peach', 'peach', []),
    ('sun', 'sun', []), ('moon', 'crescent moon', ['crescent moon']), ('star', 'star', []), ('cloud', 'cloud', []),
    ('rainbow', 'rainbow', []), ('snowflake', 'snowflake', []), ('lightning', 'high voltage', ['lightning bolt', 'thunderbolt']),
    ('fire', 'fire', ['flame']), ('tree', 'deciduous tree', []), ('palm tree', 'palm tree', ['palm']),
    ('cactus', 'cactus', []), ('tulip', 'tulip', []), ('sunflower', 'sunflower', []), ('rose', 'rose', []),
    ('four leaf clover', 'four leaf clover', ['clover', 'shamrock']), ('heart', 'red heart', ['love heart']),
    ('umbrella', 'umbrella', []), ('snowman', 'snowman without snow', []), ('earth', 'globe showing Europe-Africa', ['globe', 'planet earth', 'world']),
    ('droplet', 'droplet', ['water drop', 'raindrop', 'drop']), ('ghost', 'ghost', []), ('skull', 'skull', []),
    ('alien', 'alien', []), ('robot', 'robot', []), ('jack-o-lantern', 'jack-o-lantern', ['pumpkin', 'jack o lantern']),
    ('christmas tree', 'Christmas tree', ['xmas tree']), ('balloon', 'balloon', []), ('gift', 'wrapped gift', ['present']),
    ('crown', 'crown', []), ('gem', 'gem stone', ['diamond', 'jewel']), ('trophy', 'trophy', []), ('bell', 'bell', []),
    ('key', 'key', []), ('lock', 'locked', ['padlock']), ('light bulb', 'light bulb', ['lightbulb', 'bulb']),
    ('hammer', 'hammer', []), ('scissors', 'scissors', []), ('pencil', 'pencil', []), ('book', 'closed book', []),
    ('alarm clock', 'alarm clock', ['clock']), ('hourglass', 'hourglass not done', ['sand timer']), ('camera', 'camera', []),
    ('television', 'television', ['tv']), ('laptop', 'laptop', ['computer']),
    ('mobile phone', 'mobile phone', ['phone', 'smartphone', 'cellphone']), ('headphones', 'headphone', ['headset']),
    ('guitar', 'guitar', []), ('violin', 'violin', ['fiddle']), ('trumpet', 'trumpet', []), ('drum', 'drum', []),
    ('microphone', 'microphone', ['mic']), ('soccer ball', 'soccer ball', ['football']), ('basketball', 'basketball', []),
    ('teddy bear', 'teddy bear', ['teddy']), ('glasses', 'glasses', ['eyeglasses', 'spectacles']), ('anchor', 'anchor', []),
    ('bomb', 'bomb', []), ('house', 'house', ['home']), ('castle', 'castle', []), ('tent', 'tent', []),
    ('car', 'automobile', ['automobile', 'auto']), ('bicycle', 'bicycle', ['bike']), ('bus', 'bus', []),
    ('train', 'locomotive', ['locomotive', 'steam train']), ('airplane', 'airplane', ['plane', 'aeroplane', 'jet']),
    ('rocket', 'rocket', ['spaceship']), ('helicopter', 'helicopter', ['chopper']), ('sailboat', 'sailboat', ['sailing boat']),
    ('ship', 'ship', ['boat']), ('motorcycle', 'motorcycle', ['motorbike']), ('fire engine', 'fire engine', ['fire truck', 'firetruck']),
]
assert len(OBJECTS) == 150 and len({o[0] for o in OBJECTS}) == 150

BY_LABEL = {label: (name, syn) for name, label, syn in OBJECTS}

# Words people type that reverie-mini was never taught, each with 1–3 objects it does know that come
# closest (what the studio suggests for an unknown word before it falls back to spelling).  Keys are
# single lower-case words; none is an object name or synonym (asserted below).
RELATED = {
    # animals
    'animal': ['cat', 'dog', 'horse'], 'pet': ['cat', 'dog', 'rabbit'], 'wolf': ['dog', 'fox'], 'coyote': ['fox', 'dog'],
    'sheep': ['cow', 'pig'], 'lamb': ['cow', 'pig'], 'goat': ['cow', 'horse'], 'donkey': ['horse'], 'mule': ['horse'],
    'deer': ['horse', 'giraffe'], 'moose': ['horse', 'cow'], 'reindeer': ['horse'], 'bull': ['cow'], 'ox': ['cow'],
    'calf': ['cow'], 'buffalo': ['cow'], 'bison': ['cow'], 'ape': ['monkey'], 'gorilla': ['monkey'],
    'chimpanzee': ['monkey'], 'chimp': ['monkey'], 'orangutan': ['monkey'], 'sloth': ['monkey', 'bear'],
    'rat': ['mouse'], 'hamster': ['mouse', 'rabbit'], 'squirrel': ['mouse', 'rabbit'], 'hedgehog': ['mouse'],
    'hare': ['rabbit'], 'lizard': ['dinosaur', 'snake', 'turtle'], 'crocodile': ['dinosaur', 'snake'],
    'alligator': ['dinosaur', 'snake'], 'gecko': ['dinosaur', 'frog'], 'iguana': ['dinosaur'], 'worm': ['snake', 'snail'],
    'caterpillar': ['butterfly', 'snail'], 'moth': ['butterfly'], 'dragonfly': ['butterfly', 'bee'], 'ant': ['spider', 'ladybug', 'bee'],
    'wasp': ['bee'], 'fly': ['bee'], 'mosquito': ['bee'], 'beetle': ['ladybug'], 'bug': ['ladybug', 'spider', 'bee'],
    'insect': ['bee', 'ladybug', 'butterfly'], 'scorpion': ['spider', 'crab'], 'lobster': ['crab'], 'shrimp': ['crab', 'fish'],
    'squid': ['octopus'], 'jellyfish': ['octopus'], 'starfish': ['star', 'fish'], 'seal': ['dolphin', 'penguin'],
    'walrus': ['whale'], 'orca': ['whale', 'dolphin'], 'goldfish': ['fish'], 'salmon': ['fish'], 'tuna': ['fish'], 'eel': ['snake', 'fish'],
    'eagle': ['bird', 'parrot'], 'hawk': ['bird', 'owl'], 'crow': ['bird'], 'raven': ['bird'], 'pigeon': ['bird'], 'dove': ['bird'],
    'sparrow': ['bird'], 'robin': ['bird'], 'seagull': ['bird'], 'hummingbird': ['bird'], 'swan': ['duck'], 'goose': ['duck'],
    'rooster': ['chicken'], 'chick': ['chicken', 'bird'], 'turkey': ['chicken'], 'ostrich': ['bird', 'flamingo'],
    'toucan': ['parrot'], 'macaw': ['parrot'], 'cockatoo': ['parrot'], 'leopard': ['tiger', 'lion'], 'cheetah': ['tiger', 'lion'],
    'jaguar': ['tiger'], 'panther': ['tiger', 'cat'], 'lioness': ['lion'], 'koala': ['bear', 'panda'], 'grizzly': ['bear'],
    'raccoon': ['panda', 'fox'], 'rhino': ['hippo', 'elephant'], 'rhinoceros': ['hippo', 'elephant'], 'mammoth': ['elephant'],
    'llama': ['camel'], 'alpaca': ['camel'], 'wallaby': ['kangaroo'], 'pegasus': ['unicorn', 'horse'], 'griffin': ['dragon'],
    'phoenix': ['bird', 'fire'], 'monster': ['alien', 'dragon', 'ghost'], 'zombie': ['ghost', 'skull'], 'vampire': ['bat', 'ghost'],
    'witch': ['ghost', 'jack-o-lantern'], 'skeleton': ['skull'], 'mermaid': ['fish'], 'fairy': ['butterfly'],
    'nest': ['bird', 'egg'], 'feather': ['bird'], 'wing': ['bird', 'butterfly'], 'paw': ['cat', 'dog'],
    'web': ['spider'], 'shell': ['snail', 'turtle', 'crab'], 'seashell': ['snail', 'crab'],
    # food and drink
    'food': ['pizza', 'hamburger', 'apple'], 'fruit': ['apple', 'banana', 'grapes'], 'mango': ['peach', 'pear'],
    'plum': ['peach', 'cherries'], 'apricot': ['peach'], 'kiwi': ['pear', 'avocado'], 'lime': ['lemon'], 'coconut': ['palm tree'],
    'melon': ['watermelon'], 'blueberry': ['grapes', 'cherries'], 'raspberry': ['strawberry', 'cherries'], 'berry': ['strawberry', 'cherries', 'grapes'],
    'fig': ['pear'], 'pomegranate': ['apple'], 'potato': ['french fries'], 'cucumber': ['eggplant', 'carrot'], 'zucchini': ['eggplant'],
    'pepper': ['chili pepper', 'tomato'], 'lettuce': ['broccoli'], 'cabbage': ['broccoli'], 'salad': ['broccoli', 'tomato'],
    'vegetable': ['carrot', 'broccoli', 'tomato'], 'sandwich': ['hamburger', 'bread'], 'cheeseburger': ['hamburger'],
    'sausage': ['hot dog'], 'burrito': ['taco'], 'nachos': ['taco'], 'pasta': ['pizza'], 'spaghetti': ['pizza'], 'noodles': ['sushi'],
    'ramen': ['sushi'], 'rice': ['sushi'], 'steak': ['hamburger'], 'meat': ['hamburger'], 'bacon': ['egg', 'bread'],
    'pancake': ['bread', 'cookie'], 'waffle': ['cookie', 'bread'], 'muffin': ['birthday cake', 'doughnut'], 'cupcake': ['birthday cake'],
    'pie': ['birthday cake', 'cookie'], 'croissant': ['bread'], 'bagel': ['doughnut', 'bread'], 'pretzel': ['bread', 'cookie'],
    'toast': ['bread'], 'candy': ['lollipop'], 'sweets': ['lollipop', 'cookie'], 'chocolate': ['cookie', 'doughnut'],
    'dessert': ['ice cream', 'birthday cake'], 'gelato': ['ice cream'], 'popsicle': ['ice cream', 'lollipop'], 'tea': ['coffee'],
    'mug': ['coffee'], 'cup': ['coffee'], 'drink': ['coffee'], 'juice': ['lemon', 'coffee'], 'milk': ['coffee'], 'wine': ['grapes'],
    'snack': ['popcorn', 'cookie', 'french fries'], 'omelette': ['egg'], 'breakfast': ['egg', 'coffee', 'bread'], 'honey': ['bee'],
    # vehicles
    'vehicle': ['car', 'bus', 'bicycle'], 'truck': ['fire engine', 'bus', 'car'], 'lorry': ['fire engine', 'bus', 'car'],
    'van': ['bus', 'car'], 'taxi': ['car'], 'cab': ['car'], 'jeep': ['car'], 'racecar': ['car'], 'tractor': ['car', 'fire engine'],
    'ambulance': ['fire engine', 'car'], 'tram': ['train', 'bus'], 'subway': ['train'], 'metro': ['train'], 'railway': ['train'],
    'scooter': ['motorcycle', 'bicycle'], 'moped': ['motorcycle'], 'skateboard': ['bicycle'], 'tricycle': ['bicycle'],
    'submarine': ['ship', 'sailboat'], 'yacht': ['sailboat', 'ship'], 'canoe': ['sailboat', 'ship'], 'kayak': ['sailboat', 'ship'],
    'ferry': ['ship'], 'raft': ['sailboat'], 'pirate': ['ship', 'skull'], 'airliner': ['airplane'], 'glider': ['airplane'],
    'drone': ['helicopter', 'airplane'], 'ufo': ['alien', 'rocket'], 'spacecraft': ['rocket'], 'satellite': ['rocket', 'earth'],
    'astronaut': ['rocket', 'alien'], 'blimp': ['balloon', 'airplane'], 'zeppelin': ['balloon', 'airplane'], 'airship': ['balloon', 'airplane'],
    'wagon': ['car', 'train'], 'carriage': ['horse', 'train'],
    # plants
    'flower': ['tulip', 'rose', 'sunflower'], 'flowers': ['tulip', 'rose', 'sunflower'], 'daisy': ['sunflower', 'tulip'],
    'lily': ['tulip', 'rose'], 'orchid': ['tulip', 'rose'], 'lotus': ['tulip'], 'blossom': ['tulip', 'rose'], 'bouquet': ['rose', 'tulip'],
    'dandelion': ['sunflower'], 'poppy': ['rose', 'tulip'], 'plant': ['tree', 'cactus', 'four leaf clover'],
    'leaf': ['four leaf clover', 'tree'], 'grass': ['four leaf clover'], 'bush': ['tree', 'broccoli'], 'forest': ['tree', 'christmas tree'],
    'pine': ['christmas tree', 'tree'], 'fir': ['christmas tree', 'tree'], 'oak': ['tree'], 'maple': ['tree'], 'succulent': ['cactus'],
    'bamboo': ['palm tree', 'panda'], 'vine': ['grapes'], 'garden': ['tree', 'tulip', 'sunflower'],
    # weather, sky and places
    'rain': ['droplet', 'cloud', 'umbrella'], 'storm': ['lightning', 'cloud'], 'thunder': ['lightning', 'cloud'],
    'snow': ['snowflake', 'snowman'], 'ice': ['snowflake'], 'winter': ['snowflake', 'snowman'], 'frost': ['snowflake'],
    'snowball': ['snowflake', 'snowman'], 'sky': ['cloud', 'sun'], 'sunshine': ['sun'], 'sunset': ['sun'], 'sunrise': ['sun'],
    'night': ['moon', 'star'], 'comet': ['star', 'rocket'], 'galaxy': ['star', 'earth'], 'space': ['rocket', 'earth', 'star'],
    'planet': ['earth', 'moon'], 'mars': ['earth'], 'ocean': ['whale', 'fish'], 'sea': ['whale', 'ship'], 'wave': ['droplet', 'whale'],
    'water': ['droplet'], 'lake': ['droplet', 'duck'], 'river': ['droplet', 'fish'], 'pond': ['frog', 'duck'],
    'beach': ['palm tree', 'crab', 'umbrella'], 'island': ['palm tree'], 'desert': ['cactus', 'camel'], 'volcano': ['fire'],
    'campfire': ['fire', 'tent'], 'smoke': ['cloud'], 'tornado': ['cloud'], 'fog': ['cloud'], 'eclipse': ['sun', 'moon'],
    'hot': ['fire', 'sun', 'chili pepper'], 'heat': ['fire', 'sun'], 'electricity': ['lightning', 'light bulb'], 'bolt': ['lightning'],
    'city': ['house', 'castle', 'bus'], 'town': ['house'], 'village': ['house', 'tent'], 'building': ['house', 'castle'],
    'cottage': ['house'], 'hut': ['house', 'tent'], 'cabin': ['house'], 'barn': ['house'], 'igloo': ['snowman', 'house'],
    'palace': ['castle'], 'tower': ['castle'], 'fortress': ['castle'], 'church': ['house', 'castle'], 'sandcastle': ['castle'],
    'camping': ['tent'], 'teepee': ['tent'], 'farm': ['cow', 'pig', 'chicken'], 'zoo': ['lion', 'elephant', 'giraffe'],
    'jungle': ['monkey', 'tiger', 'palm tree'], 'safari': ['lion', 'giraffe', 'zebra'], 'arctic': ['penguin', 'snowflake'],
    'aquarium': ['fish', 'octopus'],
    # household things and people
    'lamp': ['light bulb'], 'light': ['light bulb', 'sun'], 'candle': ['fire', 'light bulb'], 'torch': ['fire', 'light bulb'],
    'flashlight': ['light bulb'], 'idea': ['light bulb'], 'watch': ['alarm clock'], 'timer': ['hourglass', 'alarm clock'],
    'time': ['hourglass', 'alarm clock'], 'door': ['house', 'key', 'lock'], 'notebook': ['book', 'laptop'], 'notepad': ['book'],
    'magazine': ['book'], 'newspaper': ['book'], 'library': ['book'], 'school': ['book', 'pencil'], 'pen': ['pencil'],
    'crayon': ['pencil'], 'marker': ['pencil'], 'paintbrush': ['pencil'], 'paper': ['book'], 'tablet': ['laptop', 'mobile phone'],
    'telephone': ['mobile phone'], 'monitor': ['television', 'laptop'], 'screen': ['television', 'laptop'], 'keyboard': ['laptop'],
    'radio': ['television', 'microphone'], 'speaker': ['headphones', 'microphone'], 'earphones': ['headphones'], 'earbuds': ['headphones'],
    'photo': ['camera'], 'video': ['camera', 'television'], 'wrench': ['hammer'], 'screwdriver': ['hammer'], 'axe': ['hammer'],
    'saw': ['hammer', 'scissors'], 'knife': ['scissors'], 'tool': ['hammer', 'scissors'], 'toy': ['teddy bear', 'balloon', 'robot'],
    'doll': ['teddy bear'], 'kite': ['balloon'], 'box': ['gift'], 'package': ['gift'], 'parcel': ['gift'], 'ring': ['gem', 'crown'],
    'necklace': ['gem'], 'jewelry': ['gem', 'crown'], 'treasure': ['gem', 'crown', 'key'], 'money': ['gem'], 'coin': ['gem', 'trophy'],
    'medal': ['trophy'], 'prize': ['trophy', 'gift'], 'award': ['trophy'], 'king': ['crown'], 'queen': ['crown'],
    'princess': ['crown', 'castle'], 'prince': ['crown', 'castle'], 'sunglasses': ['glasses'], 'goggles': ['glasses'], 'hat': ['crown'],
    'parasol': ['umbrella'], 'teapot': ['coffee'], 'kettle': ['coffee'], 'doorbell': ['bell'], 'alarm': ['alarm clock', 'bell'],
    'explosion': ['bomb', 'fire'], 'dynamite': ['bomb'], 'firework': ['star', 'rocket'], 'fireworks': ['star', 'rocket'],
    'map': ['earth'], 'compass': ['earth', 'anchor'], 'love': ['heart'], 'valentine': ['heart', 'rose'],
    'halloween': ['jack-o-lantern', 'ghost'], 'christmas': ['christmas tree', 'gift', 'snowman'], 'santa': ['christmas tree', 'gift'],
    'birthday': ['birthday cake', 'balloon', 'gift'], 'party': ['balloon', 'birthday cake', 'gift'], 'easter': ['egg', 'rabbit'],
    'android': ['robot'], 'cyborg': ['robot'], 'machine': ['robot'], 'spirit': ['ghost'], 'bones': ['skull'],
    'person': ['snowman', 'robot'], 'man': ['snowman', 'robot'], 'woman': ['snowman', 'robot'], 'boy': ['snowman', 'robot'],
    'girl': ['snowman', 'robot'], 'child': ['teddy bear', 'snowman'], 'kid': ['teddy bear', 'snowman'], 'baby': ['teddy bear'],
    # music
    'music': ['guitar', 'headphones', 'microphone'], 'instrument': ['guitar', 'violin', 'trumpet'], 'piano': ['guitar', 'violin'],
    'cello': ['violin'], 'viola': ['violin'], 'harp': ['violin', 'guitar'], 'ukulele': ['guitar'], 'banjo': ['guitar'], 'bass': ['guitar'],
    'saxophone': ['trumpet'], 'sax': ['trumpet'], 'trombone': ['trumpet'], 'horn': ['trumpet'], 'tuba': ['trumpet'], 'flute': ['trumpet'],
    'clarinet': ['trumpet'], 'tambourine': ['drum'], 'song': ['microphone', 'headphones'], 'singer': ['microphone'],
    'karaoke': ['microphone'], 'band': ['guitar', 'drum'],
    # sports
    'ball': ['soccer ball', 'basketball'], 'soccer': ['soccer ball'], 'baseball': ['soccer ball', 'basketball'],
    'tennis': ['soccer ball'], 'volleyball': ['basketball', 'soccer ball'], 'rugby': ['soccer ball'], 'golf': ['soccer ball'],
    'bowling': ['basketball'], 'hockey': ['soccer ball'], 'sport': ['soccer ball', 'basketball', 'trophy'],
    'sports': ['soccer ball', 'basketball', 'trophy'], 'goal': ['soccer ball', 'trophy'], 'champion': ['trophy', 'crown'],
    'winner': ['trophy'], 'game': ['soccer ball', 'basketball'], 'cycling': ['bicycle'], 'racing': ['car', 'motorcycle'],
    'skiing': ['snowflake', 'snowman'],
}
_NAMES = {o[0] for o in OBJECTS}
_TAKEN = _NAMES | {s for o in OBJECTS for s in o[2]}
assert all(1 <= len(v) <= 3 and all(t in _NAMES for t in v) for v in RELATED.values()), \
    [(k, v) for k, v in RELATED.items() if not 1 <= len(v) <= 3 or any(t not in _NAMES for t in v)]
assert not _TAKEN & RELATED.keys(), sorted(_TAKEN & RELATED.keys())
assert all(k == k.lower() and ' ' not in k for k in RELATED), [k for k in RELATED if k != k.lower() or ' ' in k]


def vocabulary_json(colours, sizes, positions, styles):
    """The model folder's vocabulary.json: what the studio offers as completions and checks prompts against."""
    return {
        'about': 'What reverie-mini was trained to draw: object names (with the synonyms it also learned), background '
                 'colours, size and position words and styles. Prompts of the form "a <size> <object> <position> on a '
                 '<colour> background" work best; two objects: "a cat and a dog on a blue background".',
        'objects': [{'name': n, 'synonyms': s} for n, _, s in OBJECTS],
        'colours': colours,
        'sizes': sizes,
        'positions': positions,
        'styles': styles,
        'template': 'a {object} on a {colour} background',
        'related': RELATED,
    }
