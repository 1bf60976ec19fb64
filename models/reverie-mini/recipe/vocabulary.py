"""reverie-mini v2's vocabulary: the 150 everyday objects it is trained to draw, one emoji each (drawn in
all three art styles), with the synonyms people type.  Also the scene words (colours, sizes, positions,
styles).  `vocabulary_json()` is what export writes to the model folder as `vocabulary.json`, which the
studio reads for prompt completions and unknown-word hints.

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
    }
